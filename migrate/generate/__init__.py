"""Stage 2 and 3: inventory -> plan (what becomes what, and why) -> change set (a reviewable diff)."""
