"""Open data: the public export zip and Challenge.gov JSON Feed import and export."""
