"""Structured layout: standard cells placed in rows and wired on fixed track patterns by
deterministic generators (no general-purpose placer or router)."""
