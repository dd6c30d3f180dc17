"""The laid-out memory simulated against the memory RTL: the reference netlist LVS compares
the layout with (columns, interfaces, logic, as the layout generator wired them) is turned
into Verilog over the blocks' own cell netlists and run beside `<name>_dmem` (dmem.v.j2, the
module the engine simulates) on the same random reads and writes. LVS proves the drawing
equals that netlist; this proves the netlist is the memory the engine was verified with."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from taalas_flow.layout.cdl import cdl_subckts, subckt_pins
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import cdl_names
from taalas_flow.pnr.netlist import GateNetlist
from taalas_flow.regfile.memory import MemoryPlan
from taalas_flow.regfile.simulate import _icarus

POWER = {"VGND", "VPWR", "VNB", "VPB"}
RAIL = {"VGND": "supply0", "VNB": "supply0", "VPWR": "supply1", "VPB": "supply1"}


def _instance_line(line: str) -> tuple[str, list[str], str]:
    toks = line.split()
    return toks[0], toks[1:-1], toks[-1]


def structural_verilog(cdl: str, top: str, modules: dict[str, GateNetlist]) -> str:
    """Verilog of the CDL hierarchy under `top`: subcircuits named in `modules` are those
    Verilog netlists (connected by port, buses regrouped from the CDL's spelled bits); the
    others become modules with the CDL's pins (power pins dropped: the cell models are
    functional)."""
    subs = cdl_subckts(cdl)
    out: list[str] = []
    done: set[str] = set()

    def emit(name: str) -> None:
        if name in done or name in modules:
            return
        done.add(name)
        text = subs[name]
        pins = [p for p in subckt_pins(text) if p not in POWER]
        body: list[str] = []
        nets: set[str] = set()
        for ln in text.replace("\n+", " ").splitlines()[1:]:
            if not ln.startswith("X"):
                continue
            inst, conns, sub = _instance_line(ln)
            if sub in modules:
                body.append(_named(inst, conns, sub, subckt_pins(subs[sub]), modules[sub]))
            else:
                emit(sub)
                sub_pins = subckt_pins(subs[sub])
                body.append(f"  {sub} {inst} (" + ", ".join(
                    c for c, p in zip(conns, sub_pins, strict=True) if p not in POWER) + ");")
            nets |= {c for c, p in zip(conns, subckt_pins(subs[sub]), strict=True)
                     if p not in POWER}
        decl = [f"  inout {p};" for p in pins]
        # a cell input on a rail (the chains' ends, on the tie cell's output: see
        # regfile/array.cdl_net) reads the rail's level
        decl += [f"  {RAIL.get(n, 'wire')} {n};" for n in sorted(nets - set(pins))]
        out.append(f"module {name} ({', '.join(pins)});\n" + "\n".join(decl + body)
                   + "\nendmodule\n")

    emit(top)
    return "\n".join(out)


def _named(inst: str, conns: list[str], sub: str, cdl_pins: list[str],
           net: GateNetlist) -> str:
    """An instance of a Verilog netlist module, its CDL-spelled pins regrouped into ports."""
    spelled = cdl_names(sorted(net.ports))
    bit_of = {s: v for v, s in spelled.items()}
    ports: dict[str, dict[int, str]] = {}
    for c, p in zip(conns, cdl_pins, strict=True):
        if p in POWER:
            continue
        v = bit_of[p]
        m = re.fullmatch(r"(.+)\[(\d+)\]", v)
        base, bit = (m.group(1), int(m.group(2))) if m else (v, -1)
        ports.setdefault(base, {})[bit] = c
    conn = []
    for base, bits in ports.items():
        if -1 in bits:
            conn.append(f".{base}({bits[-1]})")
        else:
            conn.append(f".{base}({{{', '.join(bits[b] for b in sorted(bits, reverse=True))}}})")
    return f"  {sub} {inst} ({', '.join(conn)});"


def testbench(plan: MemoryPlan, rtl: str, top: str, addr_bits: int, cycles: int,
              seed: int) -> str:
    """Both memories on the same inputs; inputs change at the falling edge, the read
    registers are compared after each rising edge once both ports have been read once.
    Every word is written first, then random cycles (reads within the memory's depth)."""
    rng = np.random.default_rng(seed)
    aw, w = addr_bits, plan.width
    depth = plan.depth
    ops = [(1, a, int(rng.integers(0, 1 << w)), 0, 0) for a in range(depth)]
    for _ in range(cycles):
        ops.append((int(rng.random() < 0.5), int(rng.integers(0, depth)),
                    int(rng.integers(0, 1 << w)), int(rng.integers(0, depth)),
                    int(rng.integers(0, depth))))
    # the structural module's pins are inout (CDL has no directions): drive them by wires
    conns = ["  .clk(clk_w)", "  .we(we_w)"]
    for base, n in (("wa", aw), ("ra_addr", aw), ("rb_addr", aw), ("wd", w)):
        conns += [f"  .{base}_{i}_({base}_w[{i}])" for i in range(n)]
    for base in ("ra_data", "rb_data"):
        conns += [f"  .{base}_{i}_(s_{base}[{i}])" for i in range(16)]
    stim = "\n".join(f"    step({a}, {b}, {c}, {d}, {e});" for a, b, c, d, e in ops)
    return f"""`timescale 1ns/1ps
module tb;
  reg clk = 0, we = 0;
  reg [{aw - 1}:0] wa = 0, ra_addr = 0, rb_addr = 0;
  reg [{w - 1}:0] wd = 0;
  wire [15:0] r_ra_data, r_rb_data, s_ra_data, s_rb_data;
  wire clk_w = clk, we_w = we;
  wire [{aw - 1}:0] wa_w = wa, ra_addr_w = ra_addr, rb_addr_w = rb_addr;
  wire [{w - 1}:0] wd_w = wd;
  integer compared = 0, mismatches = 0, n = 0;
  {rtl} u_ref (.clk(clk), .ra_addr(ra_addr), .ra_data(r_ra_data), .rb_addr(rb_addr),
    .rb_data(r_rb_data), .we(we), .wa(wa), .wd(wd));
  {top} u_dut (
{(','.join(chr(10) + c for c in conns))[1:]});
  always #5 clk = ~clk;
  task step(input w_e, input [{aw - 1}:0] w_a, input [{w - 1}:0] w_d,
            input [{aw - 1}:0] r_a, input [{aw - 1}:0] r_b);
    begin
      @(negedge clk); check();
      n = n + 1; we = w_e; wa = w_a; wd = w_d; ra_addr = r_a; rb_addr = r_b;
    end
  endtask
  task check;      // the reads issued in the random cycles, one clock later
    if (n > {depth}) begin
      compared = compared + 1;
      if (s_ra_data !== r_ra_data || s_rb_data !== r_rb_data) begin
        mismatches = mismatches + 1;
        $display("MISMATCH t=%0t ra %h/%h rb %h/%h", $time, s_ra_data, r_ra_data,
                 s_rb_data, r_rb_data);
      end
    end
  endtask
  initial begin
{stim}
    @(negedge clk); check();
    $display("COMPARED %0d MISMATCHES %0d", compared, mismatches);
    $finish;
  end
endmodule
"""


def simulate_memory(pdk: PdkConfig, plan: MemoryPlan, cdl: str, top: str,
                    netlists: dict[str, tuple[GateNetlist, Path]], addr_bits: int,
                    workdir: Path, cycles: int = 400, seed: int = 1) -> tuple[int, int, Path]:
    """`netlists`: the Verilog of each block the layout instantiates, by module, with the
    netlist that gives its ports (the bank may be given as its behavioural model: its own
    simulation proves the cells equal it). The RTL reference is rendered here as `ref_dmem`.
    Returns (cycles compared, mismatches, log)."""
    from taalas_flow.regfile.bank import render_bank_model
    from taalas_flow.regfile.logic import render_dmem

    workdir.mkdir(parents=True, exist_ok=True)
    rtl = render_dmem(plan, workdir / "ref_dmem.v", "ref", addr_bits)
    model = render_bank_model(plan.bank, workdir / "ref_bank.v", plan.bank.module("ref_rf"))
    struct = workdir / f"{top}_struct.v"
    struct.write_text("\n".join(p.read_text() for _n, p in netlists.values()) + "\n"
                      + structural_verilog(cdl, top, {m: n for m, (n, _p) in netlists.items()})
                      + "\n" + rtl.read_text() + "\n" + model.read_text())
    (compared, mismatches), log = _icarus(
        pdk, struct, testbench(plan, "ref_dmem", top, addr_bits, cycles, seed), workdir)
    return compared, mismatches, log
