"""Backups: one verified archive holding the database and the uploads."""
