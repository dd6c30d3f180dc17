"""Logic-block layout benchmark (flow/pnr): generation, DRC and LVS time and density of a
synthesised block, and the vertical routability of the engine core. Writes
bench/results/logic_layout.json.

    python bench/logic_layout.py [--pdk-root DIR] [--engine-netlist NL.v]

Block: tests/fixtures/mac8.v synthesised by `taalas-flow synth` (LibreLane + Yosys), laid out
by build_block, KLayout DRC (FEOL+BEOL) and LVS (cells as black boxes). MAC lane: the engine's
lane module from the same run, through `synth --layout` (DRC, LVS, STA with the wiring's
SPEF at the engine's 20 ns clock). Engine: the core's
netlist from the newest run (or --engine-netlist) placed at several row counts; for each, the
most trunk pieces on one row (each needs its own vertical track there) against the met4 tracks
the block's width gives; then the whole core built as one flat block (met2 column trunks
making up the met4 shortfall), its size against the die's.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.pdk import load_pdk
from taalas_flow.pnr.block import build_block, trunk_probe
from taalas_flow.pnr.netlist import read_gate_netlist
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs
from taalas_flow.synth import synthesise

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "sky130_fd_sc_hd__"


def block(pdk, work: Path) -> dict:
    res = synthesise([ROOT / "tests" / "fixtures" / "mac8.v"], "mac8", "sky130", pdk.root,
                     10.0, "clk", work, "bench")
    nl = Path(res["run_dir"]) / "final" / "nl" / "mac8.nl.v"
    t0 = time.perf_counter()
    b = build_block(pdk, read_gate_netlist(nl, "mac8", PREFIX))
    gen_s = time.perf_counter() - t0
    gds, cdl = work / "mac8.gds", work / "mac8.cdl"
    b.lib.write_gds(str(gds), timestamp=GDS_TIMESTAMP)
    cdl.write_text(b.cdl)
    t0 = time.perf_counter()
    drc = run_drc(pdk, gds, work / "mac8.lyrdb", feol=True, beol=True)
    drc_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    lvs = run_lvs(pdk, gds, cdl, work / "lvs", blackbox=PREFIX + "*")
    lvs_s = time.perf_counter() - t0
    return {"design": "mac8", **b.metrics, "generate_s": round(gen_s, 2),
            "drc_violations": drc.violations, "drc_s": round(drc_s, 1),
            "lvs_clean": lvs.clean, "lvs_s": round(lvs_s, 1)}


def lane(pdk, rtl: Path, work: Path) -> dict:
    """One MAC lane of the engine (its own RTL module), synthesised and laid out by
    `taalas-flow synth --layout`'s flow: DRC, LVS and OpenSTA with the wiring's SPEF."""
    t0 = time.perf_counter()
    res = synthesise([rtl], "taalas_engine_mac_lane", "sky130", pdk.root, 20.0, "clk", work,
                     "lane", layout=True)
    return {"design": "taalas_engine_mac_lane", "cells": res["cells"],
            "synth_setup_ws_ns_at_20ns": res["setup_ws_ns"], **res["layout"],
            "synth_and_layout_s": round(time.perf_counter() - t0, 1)}


def newest_engine_netlist() -> Path | None:
    found = sorted((ROOT / "runs").glob("*/*-taalas-enginesynthesis/taalas_engine_core.nl.v"),
                   key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root")
    ap.add_argument("--engine-netlist", type=Path)
    ap.add_argument("--rows", default="157,100,64,40")
    a = ap.parse_args()
    pdk = load_pdk("sky130", a.pdk_root)
    out: dict = {"machine": platform.platform(), "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as tmp:
        out["block"] = block(pdk, Path(tmp))
    nl = a.engine_netlist or newest_engine_netlist()
    rtl = nl.parent / "rtl" / "taalas_engine_mac_lane.v" if nl else None
    if rtl and rtl.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            out["mac_lane"] = lane(pdk, rtl, Path(tmp))
    if nl:
        net = read_gate_netlist(nl, "taalas_engine_core", PREFIX)
        t0 = time.perf_counter()
        probe = trunk_probe(pdk, net, [int(r) for r in a.rows.split(",")])
        probe_s = time.perf_counter() - t0
        # The whole core laid out as one flat block (drawn, not signed off: it does not fit
        # the die, which is the point of measuring it).
        t0 = time.perf_counter()
        b = build_block(pdk, net)
        out["engine_core"] = {"netlist": str(nl.relative_to(ROOT) if nl.is_relative_to(ROOT)
                                             else nl),
                              "cells": len(net.instances),
                              "met4_only_probe": probe, "probe_s": round(probe_s, 1),
                              "flat_block": {**b.metrics,
                                             "generate_s": round(time.perf_counter() - t0, 1)},
                              "die_um": [pdk.data["die"]["width_um"],
                                         pdk.data["die"]["height_um"]]}
    dest = ROOT / "bench" / "results" / "logic_layout.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
