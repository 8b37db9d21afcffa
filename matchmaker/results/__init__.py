"""Public result pages of finished demonstration projects, for other cities to reuse."""
