"""Implementation backends other than the structured generators (LibreLane Classic)."""
