"""The data memory's RTL (rtl_templates/dmem.v.j2) rendered from its plan, and its global
logic (`<name>_dmem_logic`: bank selects, predecoded column lines, read registers)
synthesised with LibreLane and laid out by flow/pnr, to sit at the memory's left end."""

from __future__ import annotations

import math
from pathlib import Path

import jinja2

from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, build_block
from taalas_flow.pnr.buffering import buffer_ports
from taalas_flow.pnr.netlist import GateNetlist, read_gate_netlist, write_verilog
from taalas_flow.regfile.memory import MemoryPlan
from taalas_flow.resources import rtl_templates_dir

# The logic's outputs that leave the memory for the engine core (the rest drive lines across
# the memory, sized for them by synthesis: regfile.logic_output_load_pf).
READ_DATA = ("ra_data", "rb_data")


def dmem_params(plan: MemoryPlan, name: str, addr_bits: int) -> dict:
    """What dmem.v.j2 needs: the plan's geometry and which column lines select each column
    (the same `column_lines` the layout's reference netlist is built from)."""
    hi, lo = plan.column_line_counts
    return dict(name=name, bank=plan.bank.module(f"{name}_rf"), depth=plan.depth,
                width=plan.width, banks=plan.banks, columns=plan.columns,
                column_banks=plan.column_banks, bank_words=plan.bank_words,
                wb=plan.word_bits, sb=plan.select_bits, daw=addr_bits,
                col_lo_bits=plan.column_lo_bits, col_hi=hi, col_lo=lo,
                lines=[plan.column_lines(c) for c in range(plan.columns)])


def address_bits(plan: MemoryPlan) -> int:
    return max(1, math.ceil(math.log2(max(plan.depth, 2))))


def render_dmem(plan: MemoryPlan, out: Path, name: str, addr_bits: int | None = None) -> Path:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(rtl_templates_dir())),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    out.write_text(env.get_template("dmem.v.j2").render(
        **dmem_params(plan, name, addr_bits or address_bits(plan))))
    return out


def logic_source(dmem_verilog: str, name: str) -> str:
    """`<name>_dmem_logic` on its own: what synthesis sees."""
    start = dmem_verilog.index("`timescale")
    end = dmem_verilog.index(f"module {name}_dmem (")
    return dmem_verilog[start:end]


def build_logic(pdk: PdkConfig, plan: MemoryPlan, workdir: Path, name: str, clock_ns: float,
                addr_bits: int | None = None) -> tuple[BlockLayout, GateNetlist, Path]:
    """Render, synthesise (LibreLane Yosys) and lay out `<name>_dmem_logic`, its read data
    outputs through port buffers (pnr/buffering.buffer_ports): (layout, gate netlist as laid
    out, its Verilog)."""
    from taalas_flow.synth import synthesise

    workdir.mkdir(parents=True, exist_ok=True)
    module = f"{name}_dmem_logic"
    dmem_v = render_dmem(plan, workdir / f"{name}_dmem.v", name, addr_bits)
    src = workdir / f"{module}.v"
    src.write_text(logic_source(dmem_v.read_text(), name))
    # its outputs drive lines across the whole memory: ABC buffers them for that load
    rf = pdk.data["regfile"]
    load_ff = float(rf["logic_output_load_pf"]) * 1000.0
    res = synthesise([src], module, pdk.name, pdk.root, clock_ns, "clk", workdir, "logic",
                     extra_config={"OUTPUT_CAP_LOAD": load_ff, "SYNTH_ABC_BUFFERING": True,
                                   "EXTRA_EXCLUDED_CELLS": list(rf["logic_excluded_cells"])})
    nl = Path(res["run_dir"]) / "final" / "nl" / f"{module}.nl.v"
    net = read_gate_netlist(nl, module, pdk.data["std_cell_library"] + "__")
    # the read data crosses the chip to the core: a read register cannot drive that wire
    net, _ = buffer_ports(pdk, net, sorted(p for p in net.ports
                                           if p.split("[", 1)[0] in READ_DATA))
    buffered = workdir / f"{module}.buffered.v"
    write_verilog(net, buffered)
    return build_block(pdk, net, module), net, buffered
