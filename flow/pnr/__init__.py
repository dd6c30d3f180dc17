"""Layout of synthesised logic: placement in rows, pin access, track routing."""
