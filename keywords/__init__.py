"""Keyword libraries of the Focus Server infrastructure suite."""
