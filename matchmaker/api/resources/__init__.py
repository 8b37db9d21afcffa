"""API resources, one module per entity; each module has one ApiBlueprint named `blp`."""
