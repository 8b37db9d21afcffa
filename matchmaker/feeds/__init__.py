"""Atom feeds of open calls and published results, for feed readers and other platforms."""
