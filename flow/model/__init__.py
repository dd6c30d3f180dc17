"""Model front end: checkpoint loading, block quantisation, fp32 reference and the fixed-point
golden model that defines what the hardware computes."""
