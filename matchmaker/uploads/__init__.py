"""Uploaded files: checked by content, stored under random names outside the web root."""
