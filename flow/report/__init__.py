"""The run report: one self-contained HTML page per run, pictures rendered from the GDS."""
