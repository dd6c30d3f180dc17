"""The register-file bank as layout. The placement is not searched: row k of the netlist is
row k of the layout and its cells sit left to right in netlist order, so every bit line is one
straight met4 trunk and every row's clock and read enables one met3 segment, as in a memory
compiler; flow/pnr draws the wiring and writes the CDL LVS compares against."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from taalas_flow.errors import InputError
from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, build_block
from taalas_flow.pnr.netlist import GateNetlist, read_gate_netlist
from taalas_flow.regfile.bank import BankShape, render_bank

# Ports each bank of a column has for itself; every other port runs through the bank.
OWN_PORTS = re.compile(r"WE|RE_[A-Z]")


def bank_rows(net: GateNetlist, widths: list[float]) -> list[list[int]]:
    """Rows of instance indices: the predecoder cells (`pd_*`) packed at the bottom into as
    few rows as fit the widest word row, then one row per word (`r<k>_*`), each in netlist
    order."""
    pre: list[int] = []
    words: dict[int, list[int]] = {}
    for i, inst in enumerate(net.instances):
        m = re.match(r"r(\d+)_", inst.name)
        if m:
            words.setdefault(int(m.group(1)), []).append(i)
        elif inst.name.startswith("pd_"):
            pre.append(i)
        else:
            raise InputError(f"register-file instance {inst.name} belongs to no row")
    row_width = max(sum(widths[i] for i in row) for row in words.values())
    rows: list[list[int]] = [[]]
    used = 0.0
    for i in pre:
        if rows[-1] and used + widths[i] > row_width:
            rows.append([])
            used = 0.0
        rows[-1].append(i)
        used += widths[i]
    return rows + [words[k] for k in sorted(words)]


def shared_ports(net: GateNetlist) -> list[str]:
    """Ports every bank of a column shares (clock, addresses, write data, read bit lines):
    they run through the bank bottom to top. WE and the read enables are each bank's own."""
    return [p for p in net.ports if not OWN_PORTS.fullmatch(p)]


def build_bank(pdk: PdkConfig, shape: BankShape, workdir: Path, name: str | None = None,
               progress: Callable[[str], None] | None = None
               ) -> tuple[BlockLayout, GateNetlist, Path]:
    """The bank's netlist (written to workdir) laid out by flow/pnr with the array placement
    above, the shared ports running through it (pinned at the bottom edge, met4) and WE and
    the read enables on its left edge (met3); returns (layout, netlist, Verilog path)."""
    name = name or shape.module()
    workdir.mkdir(parents=True, exist_ok=True)
    src = render_bank(pdk, shape, workdir / f"{name}.v", name)
    net = read_gate_netlist(src, name, pdk.data["std_cell_library"] + "__")
    lib = StdCellLibrary(pdk)
    widths = [lib.cell(i.cell).width for i in net.instances]
    return (build_block(pdk, net, name, progress, rows=bank_rows(net, widths),
                        through=shared_ports(net),
                        min_channel=int(pdk.data["regfile"]["min_channel_tracks"])),
            net, src)
