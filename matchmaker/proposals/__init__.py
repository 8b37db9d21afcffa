"""Proposals that solution providers submit to an open call."""
