"""Coordinators' review of ranked need × seed pairs: shortlist, dismiss, invite, notes."""
