"""Chip assembly: macros and laid-out blocks placed, powered and wired on fixed tracks."""
