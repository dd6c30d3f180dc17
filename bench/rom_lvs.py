"""KLayout LVS of whole ROM macros (the PDK's deck, flat), to decide what a run can afford to
LVS-check: whole banks, or a slice of each (Taalas.RomArray: the bank's full height and mux,
16 columns). Writes bench/results/rom_lvs.json.

    python bench/rom_lvs.py [--pdk-root DIR] [--macros 32x16x8,80x64x8,768x16x16,80x256x8]

Default sizes: the DRC tile, a quarter and the whole of the tiny-llama parameter-ROM bank
(80 x 256, mux 8), and the weight-ROM slice a run checks (768 rows, mux 16). The weight-ROM
bank itself (768x256x16) is left to --macros: at the growth measured here it takes hours.

Per macro (ROWSxCOLSxMUX, random bits, half ones): generation time, LVS wall time, the
extracted device count, whether the netlists match, and the peak memory of the KLayout
process (the largest child's max RSS, from getrusage).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.macro import write_rom_macro
from taalas_flow.signoff.lvs import run_lvs


def one(pdk_root: str | None, rows: int, cols: int, mux: int, workdir: Path) -> dict:
    pdk = load_pdk("sky130", pdk_root, stages=[])
    bits = np.random.default_rng(rows * 7 + cols).integers(0, 2, (rows, cols), dtype=np.uint8)
    gds, cdl = workdir / "rom_macro.gds", workdir / "rom_macro.cdl"
    t0 = time.perf_counter()
    write_rom_macro(pdk, bits, mux, gds, cdl)
    t1 = time.perf_counter()
    r = run_lvs(pdk, gds, cdl, workdir / "lvs", timeout=4 * 3600)
    t2 = time.perf_counter()
    return {"rows": rows, "cols": cols, "mux": mux, "bits": rows * cols,
            "ones": int(bits.sum()), "generate_s": round(t1 - t0, 2),
            "lvs_s": round(t2 - t1, 2), "devices_extracted": r.devices_extracted,
            "clean": r.clean, "gds_mb": round(gds.stat().st_size / 1e6, 2),
            "klayout_max_rss_mb": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", default=None)
    ap.add_argument("--macros", default="32x16x8,80x64x8,768x16x16,80x256x8")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).parent / "results" / "rom_lvs.json")
    a = ap.parse_args()
    results = []
    for spec in a.macros.split(","):
        rows, cols, mux = (int(v) for v in spec.split("x"))
        # each size in a process of its own, so its KLayout's peak memory is its own
        with tempfile.TemporaryDirectory() as tmp, \
                ProcessPoolExecutor(max_workers=1, max_tasks_per_child=1) as pool:
            results.append(pool.submit(one, a.pdk_root, rows, cols, mux, Path(tmp)).result())
        print(json.dumps(results[-1]), flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"machine": platform.node(), "cpus": os.cpu_count(),
                                 "macros": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
