"""Engine benchmark: cycles per token over a long generation (RTL simulation, every value
checked against the golden model), achievable clock from OpenSTA on the synthesised core,
hence tokens/s, and synthesised area by block. Writes bench/results/engine_perf.json.

    python bench/engine_perf.py [--pdk-root DIR] [--lanes 8] [--new 24]

Area by block: the MAC lane is synthesised alone (x lanes); the core (sequencer, microcode,
LUTs, norm/rotary/attention/SiLU units, drain, lanes) as a whole; "other core logic" is the
difference. The data memory (activations + KV cache) and the ROMs are macros, not synthesised:
their bit counts are reported instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.render import render_engine
from taalas_flow.engine.rom_map import rom_map
from taalas_flow.engine.simulate import run_engine_sim
from taalas_flow.model.loader import load_checkpoint
from taalas_flow.rtl.render import render_mac_lane
from taalas_flow.synth import synthesise

PROMPT = "the small cat sat under the old tree. anna has "
PERIOD_NS = 10.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", type=Path, default=None)
    ap.add_argument("--lanes", type=int, default=8)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--new", type=int, default=12)
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).parent / "results" / "engine_perf.json")
    a = ap.parse_args()
    pdk_root = a.pdk_root or Path(os.environ.get("PDK_ROOT", Path(__file__).parents[2] /
                                                 "shared" / "pdk"))
    ckpt = load_checkpoint("tiny-llama")
    arch = EngineArch(ckpt.config, a.bits, 32, a.lanes)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        sim = run_engine_sim(work / "sim", "tiny-llama", a.bits, a.lanes, PROMPT, a.new)
        sim_wall = time.perf_counter() - t0
        if not sim["passed"]:
            raise SystemExit(f"RTL does not match the golden model:\n{sim['log_tail']}")
        tokens = json.loads(Path(sim["result"]).read_text())
        sweep = {}
        for lanes in (4, 8, 16):      # parallelism: cycles/token of a short prompt
            r = run_engine_sim(work / f"sweep{lanes}", "tiny-llama", a.bits, lanes, "the ", 1)
            if not r["passed"]:
                raise SystemExit(f"{lanes} lanes: RTL does not match the golden model")
            sweep[lanes] = json.loads(Path(r["result"]).read_text())["cycles_per_token"]
        rtl = render_engine(arch, work / "rtl")
        t0 = time.perf_counter()
        core = synthesise(rtl[:2], "taalas_engine_core", "sky130", pdk_root, PERIOD_NS, "clk",
                          work / "runs", "core")
        core_s = time.perf_counter() - t0
        lane_v = render_mac_lane(work / "lane.v", "taalas_mac_lane", a.bits, 32, arch.max_cols,
                                 requant=False)
        lane = synthesise([lane_v], "taalas_mac_lane", "sky130", pdk_root, PERIOD_NS, "clk",
                          work / "runs", "lane")
    cycles = tokens["cycles_per_token"]
    period = PERIOD_NS - core["setup_ws_ns"]          # shortest period that meets setup
    f_mhz = 1e3 / period
    mean_cycles = sum(cycles) / len(cycles)
    m = rom_map(arch)
    lanes_area = a.lanes * lane["area_um2"]
    result = {
        "machine": platform.node(), "cpu_count": os.cpu_count(),
        "model": "tiny-llama", "bits": a.bits, "lanes": a.lanes,
        "prompt": PROMPT, "generated": bytes(tokens["generated"]).decode(errors="replace"),
        "tokens_simulated": len(cycles), "values_checked_vs_golden": tokens["values_checked"],
        "cycles_per_token": {"first": cycles[0], "last": cycles[-1], "mean": mean_cycles,
                             "per_position": cycles},
        "cycles_per_token_by_lanes": {str(k): v for k, v in sweep.items()},
        "sim_wall_s": round(sim_wall, 1), "sim_cycles_per_s": round(sum(cycles) / sim["sim_s"]),
        "clock": {"sta_target_ns": PERIOD_NS, "setup_ws_ns": core["setup_ws_ns"],
                  "min_period_ns": round(period, 3), "fmax_mhz": round(f_mhz, 2)},
        "tokens_per_s": {"at_first_position": round(f_mhz * 1e6 / cycles[0]),
                         "mean_over_run": round(f_mhz * 1e6 / mean_cycles)},
        "area_um2": {"core_total": core["area_um2"], "mac_lanes": round(lanes_area, 1),
                     "mac_lane_each": lane["area_um2"],
                     "other_core_logic": round(core["area_um2"] - lanes_area, 1)},
        "cells": {"core": core["cells"], "mac_lane_each": lane["cells"]},
        "macros_bits": {"weight_rom": m.weight_depth * arch.weight_word_bits,
                        "param_rom": m.param_depth * arch.param_word_bits,
                        "data_memory": arch.memory_map["_size"] * 16},
        "synth_core_s": round(core_s, 1),
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("cycles_per_token", "clock", "tokens_per_s",
                                             "area_um2")}, indent=1))


if __name__ == "__main__":
    main()
