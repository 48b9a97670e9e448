"""Checking one concrete JWT: clean it, decode it, verify it, run the token rules."""
