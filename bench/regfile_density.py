"""Register-file bank benchmark (flow/regfile): area, density and utilisation of banks of
several shapes as the layout generator builds them, the full signoff of the data memory's
64-word bank (gate-level simulation, DRC FEOL+BEOL on the whole bank, LVS) with its time, a
column of four of them (BEOL DRC, LVS), and the tiny-llama data memory assembled whole (one
stripe and folded into stripes: size, DRC of the wiring layers, LVS, its netlist simulated
against the memory RTL) against the die. Writes bench/results/regfile_density.json.

    python bench/regfile_density.py [--pdk-root DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import librelane.flows  # noqa: F401  (LibreLane's step registry before taalas_flow's steps)

from taalas_flow.engine.arch import EngineArch
from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.model.config import load_config
from taalas_flow.pdk import load_pdk
from taalas_flow.regfile.array import build_array
from taalas_flow.regfile.bank import BankShape, render_bank_model
from taalas_flow.regfile.column import build_column
from taalas_flow.regfile.drivers import (
    build_drivers,
    build_repeaters,
    driver_module,
    repeater_module,
)
from taalas_flow.regfile.equivalence import simulate_memory
from taalas_flow.regfile.folded import build_folded, default_stripes
from taalas_flow.regfile.interface import build_interface, interface_module
from taalas_flow.regfile.layout import build_bank
from taalas_flow.regfile.logic import build_logic
from taalas_flow.regfile.simulate import simulate_bank
from taalas_flow.regfile.timing import bank_timing
from taalas_flow.resources import models_dir
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

ROOT = Path(__file__).resolve().parent.parent
SHAPES = [(16, 16, 1), (16, 16, 2), (32, 16, 2), (64, 16, 1), (64, 16, 2)]
SIGNOFF = (64, 16, 2)
CLOCK_NS = 20.0      # the engine's clock (bench/results/engine_perf.json)


def shape_row(pdk, shape: BankShape, work: Path, signoff: bool) -> dict:
    t0 = time.perf_counter()
    blk, net, src = build_bank(pdk, shape, work / shape.module())
    gen_s = time.perf_counter() - t0
    m = blk.metrics
    row = {"words": shape.words, "width": shape.width, "read_ports": shape.read_ports,
           "cells": m["cells"], "width_um": blk.width, "height_um": blk.height,
           "area_um2": round(blk.width * blk.height, 1),
           "um2_per_bit": round(blk.width * blk.height / shape.bits, 2),
           "cell_um2_per_bit": round(m["cell_area_um2"] / shape.bits, 2),
           "utilisation": round(m["utilisation"], 4),
           "mean_row_met3_tracks": round(m["mean_row_tracks"], 2),
           "max_row_met3_tracks": m["max_row_tracks"], "generate_s": round(gen_s, 2)}
    t = bank_timing(pdk, blk, net, src, work / f"sta_{shape.module()}", CLOCK_NS, 4,
                    shape.ports)
    row["timing"] = {"clock_ns": CLOCK_NS, "read_ns": t.read_ns,
                     "setup_ws_ns": round(t.setup_ws_ns, 3), "hold_ws_ns": round(t.hold_ws_ns, 3),
                     "column_load_pf": round(t.column_load_pf, 4)}
    if signoff:
        gds, cdl = work / f"{shape.module()}.gds", work / f"{shape.module()}.cdl"
        blk.lib.write_gds(str(gds), timestamp=GDS_TIMESTAMP)
        cdl.write_text(blk.cdl)
        t0 = time.perf_counter()
        sim = simulate_bank(pdk, shape, src, shape.module(), work / "sim")
        row["sim"] = {"compared": sim.compared, "released": sim.released,
                      "mismatches": sim.mismatches, "s": round(time.perf_counter() - t0, 1)}
        for name, feol in (("drc_beol", False), ("drc_feol_beol", True)):
            t0 = time.perf_counter()
            d = run_drc(pdk, gds, work / f"{name}.lyrdb", feol=feol)
            row[name] = {"violations": d.violations, "s": round(time.perf_counter() - t0, 1)}
        t0 = time.perf_counter()
        lvs = run_lvs(pdk, gds, cdl, work / "lvs", blackbox="sky130_fd_sc_hd__*")
        row["lvs"] = {"clean": lvs.clean, "s": round(time.perf_counter() - t0, 1)}
        col = build_column(pdk, blk, 4, "column")
        cg, cc = work / "column.gds", work / "column.cdl"
        col.lib.write_gds(str(cg), timestamp=GDS_TIMESTAMP)
        cc.write_text(col.cdl)
        t0 = time.perf_counter()
        cd = run_drc(pdk, cg, work / "column_beol.lyrdb", feol=False)
        cd_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cl = run_lvs(pdk, cg, cc, work / "lvs_column", blackbox="sky130_fd_sc_hd__*")
        row["column_of_4"] = {"width_um": col.width, "height_um": col.height,
                              "area_um2": round(col.width * col.height, 1),
                              "drc_beol": {"violations": cd.violations, "s": round(cd_s, 1)},
                              "lvs": {"clean": cl.clean,
                                      "s": round(time.perf_counter() - t0, 1)}}
    return row


def memory_rows(pdk, plan, addr_bits: int, work: Path) -> dict:
    """The whole memory: one stripe, and folded into the stripes the flow picks."""
    name = plan.bank.module("taalas_engine_rf")
    bank, net, _src = build_bank(pdk, plan.bank, work / "mem_bank", name)
    col = build_column(pdk, bank, plan.column_banks, f"{name}_column")
    ifn = interface_module(plan, "taalas_engine_rf")
    iface, inet, isrc = build_interface(pdk, plan, work / "mem_if", ifn, col.width)
    k = default_stripes(pdk, plan, col, iface)
    # one logic per arrangement (two names in one netlist set)
    logic1, lnet1, lsrc1 = build_logic(pdk, plan, work / "mem_logic1", "taalas_engine1",
                                       CLOCK_NS, addr_bits)
    logic, lnet, lsrc = build_logic(pdk, plan, work / "mem_logic", "taalas_engine", CLOCK_NS,
                                    addr_bits)
    drn = driver_module(plan, "taalas_engine_rf")
    # shaped for the folded memory (the flow's); the one-stripe memory reuses them
    drv, dnet, dsrc = build_drivers(pdk, plan, work / "mem_drv", drn, iface.height, k)
    rpn = repeater_module(plan, "taalas_engine_rf")
    rep, rnet, rsrc = build_repeaters(pdk, plan, work / "mem_rep", rpn, iface.height, k)
    model = render_bank_model(plan.bank, work / "mem_model.v", name)
    netlists = {name: (net, model), ifn: (inet, isrc), logic.name: (lnet, lsrc),
                logic1.name: (lnet1, lsrc1), drn: (dnet, dsrc), rpn: (rnet, rsrc)}
    out = {"interface_cells": iface.metrics["cells"], "logic_cells": logic.metrics["cells"],
           "interface_um": [iface.width, iface.height], "logic_um": [logic.width, logic.height],
           "drivers_um": [drv.width, drv.height], "repeaters_um": [rep.width, rep.height]}
    for label, build in (("one_stripe", lambda: build_array(pdk, plan, col, iface, "mem1",
                                                            logic=logic1, drivers=drv,
                                                            repeaters=rep)),
                         ("folded", lambda: build_folded(pdk, plan, col, iface, logic, "memf",
                                                         k, drivers=drv, repeaters=rep))):
        t0 = time.perf_counter()
        blk = build()
        gen_s = time.perf_counter() - t0
        gds, cdl = work / f"{blk.name}.gds", work / f"{blk.name}.cdl"
        blk.lib.write_gds(str(gds), timestamp=GDS_TIMESTAMP)
        cdl.write_text(blk.cdl)
        row = {"width_um": blk.width, "height_um": blk.height,
               "area_mm2": round(blk.width * blk.height * 1e-6, 2),
               "channel_tracks": blk.metrics["channel_tracks"], "generate_s": round(gen_s, 1)}
        if label == "folded":
            row.update(stripes=k, bus_lines=blk.metrics["bus_lines"])
        t0 = time.perf_counter()
        d = run_drc(pdk, gds, work / f"{blk.name}.lyrdb", feol=False)
        row["drc_beol"] = {"violations": d.violations, "s": round(time.perf_counter() - t0, 1)}
        t0 = time.perf_counter()
        lv = run_lvs(pdk, gds, cdl, work / f"lvs_{blk.name}", blackbox="sky130_fd_sc_hd__*")
        row["lvs"] = {"clean": lv.clean, "s": round(time.perf_counter() - t0, 1)}
        t0 = time.perf_counter()
        compared, mismatches, _log = simulate_memory(pdk, plan, blk.cdl, blk.name, netlists,
                                                     addr_bits, work / f"sim_{blk.name}", 2000)
        row["simulation_vs_rtl"] = {"cycles_compared": compared, "mismatches": mismatches,
                                    "words_written_first": plan.depth,
                                    "s": round(time.perf_counter() - t0, 1)}
        out[label] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", type=Path, default=ROOT.parent / "shared" / "pdk")
    args = ap.parse_args()
    pdk = load_pdk("sky130", args.pdk_root)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for s in SHAPES:
            print("bank", s, flush=True)
            rows.append(shape_row(pdk, BankShape(*s), Path(tmp), s == SIGNOFF))
    cfg = load_config(models_dir() / "tiny-llama" / "config.json")
    arch = EngineArch(cfg, 4, 32, 8)
    plan = arch.memory_plan
    with tempfile.TemporaryDirectory() as tmp:
        print("memory", flush=True)
        memory = memory_rows(pdk, plan, arch.data_addr_bits, Path(tmp))
    bank = next(r for r in rows if (r["words"], r["width"], r["read_ports"]) == SIGNOFF)
    die = pdk.data["die"]
    die_mm2 = die["width_um"] * die["height_um"] * 1e-6
    cols_mm2 = plan.columns * bank["column_of_4"]["area_um2"] * 1e-6
    out = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "banks": rows,
        "tiny_llama_data_memory": {
            "words": plan.depth, "bits": plan.depth * plan.width, "banks": plan.banks,
            "columns": plan.columns, "bank": f"{SIGNOFF[0]}x{SIGNOFF[1]} {SIGNOFF[2]}r1w",
            "columns_area_mm2": round(cols_mm2, 2),
            "die": die["name"], "die_area_mm2": round(die_mm2, 2),
            "columns_over_die": round(cols_mm2 / die_mm2, 2),
            "assembled": memory,
            "folded_over_die": round(memory["folded"]["area_mm2"] / die_mm2, 2)},
    }
    dest = ROOT / "bench" / "results" / "regfile_density.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out["tiny_llama_data_memory"], indent=2))


if __name__ == "__main__":
    main()
