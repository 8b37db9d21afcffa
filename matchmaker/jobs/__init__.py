"""Scheduled work run by `flask jobs run` from cron: safe to run every minute, concurrently."""
