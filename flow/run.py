"""`taalas-flow run`: placeholder replaced as stages land."""
