"""`python -m matchmaker.loadtest`: a bounded load run against gunicorn on loopback only."""
