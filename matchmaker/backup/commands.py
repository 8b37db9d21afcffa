"""`flask --app matchmaker backup create|restore` (placeholder until the backup helper lands)."""

from flask.cli import AppGroup

backup_cli = AppGroup("backup", help="Back up and restore the database and uploads.")
