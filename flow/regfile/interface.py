"""The interface tile under each column of the data memory (rtl_templates/dmem_interface.v.j2):
the column's write enables decoded from the global predecoded column lines, and its links of
the stripe's read chains (the column's read bits when it is selected, or the chain from the
column to its right). It is the column's only logic, so the memory's wiring between columns
is a chain of short nets, each from one interface to the next, and not a multiplexer tree."""

from __future__ import annotations

from pathlib import Path

import jinja2

from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, TrackGeometry, build_block
from taalas_flow.pnr.netlist import GateNetlist, read_gate_netlist
from taalas_flow.regfile.memory import MemoryPlan
from taalas_flow.resources import rtl_templates_dir


def interface_module(plan: MemoryPlan, prefix: str = "taalas_rf") -> str:
    return f"{prefix}_if_{plan.column_banks}x{plan.width}_{plan.read_ports}r"


def render_interface(pdk: PdkConfig, plan: MemoryPlan, out: Path, name: str) -> Path:
    rf = pdk.data["regfile"]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(rtl_templates_dir())),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    out.write_text(env.get_template("dmem_interface.v.j2").render(
        name=name, banks=plan.column_banks, width=plan.width, ports=plan.bank.ports,
        chain_cell=rf["chain_cell"], select_cell=rf["select_cell"],
        we_cell=rf["write_enable_cell"]))
    return out


def build_interface(pdk: PdkConfig, plan: MemoryPlan, workdir: Path, name: str,
                    column_width: float) -> tuple[BlockLayout, GateNetlist, Path]:
    """The interface laid out by flow/pnr in as few rows as leave room beside it, under a
    column `column_width` wide, for one met4 wiring column per port (twice that, since the
    wiring columns skip the column's met4 pins above them)."""
    workdir.mkdir(parents=True, exist_ok=True)
    src = render_interface(pdk, plan, workdir / f"{name}.v", name)
    net = read_gate_netlist(src, name, pdk.data["std_cell_library"] + "__")
    g = TrackGeometry.of(pdk)
    max_width = column_width - 2 * float(pdk.data["chip"]["gap"]) - 2 * len(net.ports) * g.m4_pitch
    rows = 1
    while True:
        blk = build_block(pdk, net, name, n_rows=rows)
        if blk.width <= max_width or rows >= len(net.instances):
            return blk, net, src
        rows += 1
