"""Hybrid, cross-lingual need × seed matching."""
