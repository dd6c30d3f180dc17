"""Signoff: KLayout DRC, LVS and XOR runners."""
