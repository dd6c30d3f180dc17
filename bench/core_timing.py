"""Timing of the laid-out engine core, step by step of timing repair: the synthesised netlist
laid out as it is, then with buffer trees and a clock tree (pnr/buffering.py), then after
each sizing pass on the drawn loads (pnr/closure.py). Each is timed by OpenSTA with the SPEF
of its own wiring (pnr/parasitics.py), register to register, clock propagated, at tt, ss
and ff. Writes bench/results/core_timing.json.

    python bench/core_timing.py [--pdk-root DIR] [--engine-netlist NL.v] [--period NS]

Engine netlist: the newest run's `*-taalas-enginesynthesis/taalas_engine_core.nl.v`, unless
given.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import librelane.flows  # noqa: F401  (registers LibreLane's steps before ours)

from taalas_flow.pdk import load_pdk
from taalas_flow.pnr.block import build_block
from taalas_flow.pnr.buffering import place_buffered, size_drivers
from taalas_flow.pnr.netlist import read_gate_netlist, verilog_escaped, write_verilog
from taalas_flow.pnr.parasitics import net_rc, write_spef
from taalas_flow.steps.sta import corner_timing
from taalas_flow.toolchain import require_tool

ROOT = Path(__file__).resolve().parent.parent
TOP = "taalas_engine_core"


def _timed(pdk, net, block, period: float, work: Path, tag: str, t0: float) -> dict:
    d = work / tag
    d.mkdir()
    write_verilog(net, d / "n.v")
    write_spef(pdk, block, net, d / "n.spef")
    tm = corner_timing(require_tool("sta", "timing"), pdk, str(d / "n.v"), TOP,
                       str(d / "n.spef"), period, "clk", d).slacks
    wire = sum(net_rc(pdk, block, n)[1] for n in block.pins)
    row = {"stage": tag, "cells": len(net.instances),
           "width_um": block.width, "height_um": block.height,
           "wire_cap_pf": round(wire, 1),
           **{f"{k}_ws_{c}_ns": round(v[f"timing__{k}__ws"], 3)
              for c, v in tm.items() for k in ("setup", "hold")},
           "fmax_tt_mhz": round(1000 / (period - tm["tt"]["timing__setup__ws"]), 2),
           "fmax_ss_mhz": round(1000 / (period - tm["ss"]["timing__setup__ws"]), 2),
           "elapsed_s": round(time.perf_counter() - t0, 1)}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", type=Path, default=None)
    ap.add_argument("--engine-netlist", type=Path, default=None)
    ap.add_argument("--period", type=float, default=20.0)
    args = ap.parse_args()
    pdk = load_pdk("sky130", args.pdk_root)
    nl = args.engine_netlist or max(
        (ROOT / "runs").glob(f"*/*-taalas-enginesynthesis/{TOP}.nl.v"),
        key=lambda p: p.stat().st_mtime)
    net = read_gate_netlist(nl, TOP, pdk.data["std_cell_library"] + "__")
    net.escaped = verilog_escaped(net)
    rows = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows.append(_timed(pdk, net, build_block(pdk, net, TOP), args.period, work,
                           "synthesised", t0))
        b = place_buffered(pdk, net, "clk")
        cur = b.net
        blk = build_block(pdk, cur, TOP, rows=b.rows)
        rows.append(_timed(pdk, cur, blk, args.period, work, "buffered", t0))
        for k in range(1, 4):
            cur, n = size_drivers(pdk, cur, lambda x, bl=blk: net_rc(pdk, bl, x)[1])
            blk = build_block(pdk, cur, TOP, rows=b.rows)
            rows.append({**_timed(pdk, cur, blk, args.period, work, f"sized_{k}", t0),
                         "resized": n})
    out = ROOT / "bench" / "results" / "core_timing.json"
    out.write_text(json.dumps({
        "what": "engine core laid out flat by flow/pnr, OpenSTA with its wiring's SPEF, "
                "register to register, clock propagated through the generated clock tree",
        "netlist": str(nl.relative_to(ROOT) if nl.is_relative_to(ROOT) else nl),
        "period_ns": args.period, "buffers": len(b.buffers),
        "clock_buffers": b.clock_buffers, "nets_buffered": b.nets_buffered,
        "stages": rows, "machine": platform.machine(), "python": platform.python_version(),
    }, indent=2) + "\n")
    print(out)


if __name__ == "__main__":
    main()
