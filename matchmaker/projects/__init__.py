"""Joint demonstration projects that grow out of selected proposals, and their public results."""
