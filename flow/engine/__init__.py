"""The on-chip inference engine: architecture description, ROM word map, microcode and RTL."""
