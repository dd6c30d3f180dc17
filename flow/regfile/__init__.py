"""Register files of the base die (the data memory): banks of sky130_fd_sc_hd flops with
clock-gated rows and tri-state read bit lines, generated as a netlist and laid out as a
regular array by the logic layout generator."""
