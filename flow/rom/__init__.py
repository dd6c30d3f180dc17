"""Mask-ROM compiler: via3-programmed NOR ROM arrays for Sky130, with readback from GDS."""
