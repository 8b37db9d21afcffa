"""Reviewers assigned to a call, their conflicts of interest, scores and the ranked result."""
