"""Bilingual demonstration data drawn from the Tokyo reform plan's policy areas."""
