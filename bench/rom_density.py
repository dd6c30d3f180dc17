"""ROM compiler benchmark: generation time, readback time and density for 16 kbit, 256 kbit and
1 Mbit arrays of random bits. Writes bench/results/rom_density.json.

    python bench/rom_density.py [--pdk-root DIR]

Density is measured from the generated GDS bounding box. The whole-macro figure (array plus
periphery) is reported as null until the ROM periphery exists: it is not estimated.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.layout import gds_area_mm2, write_rom_array_gds
from taalas_flow.rom.readback import readback_bits

SIZES = {"16kbit": (128, 128), "256kbit": (512, 512), "1Mbit": (1024, 1024)}


def measure(pdk, rows: int, cols: int, workdir: Path) -> dict:
    bits = np.random.default_rng(rows * cols).integers(0, 2, (rows, cols))
    gds = workdir / f"rom_{rows}x{cols}.gds"
    t0 = time.perf_counter()
    write_rom_array_gds(pdk, bits, gds)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    back = readback_bits(pdk, gds, rows, cols)
    rb_s = time.perf_counter() - t0
    assert np.array_equal(back, bits)
    area_mm2 = gds_area_mm2(gds)
    return {
        "rows": rows, "cols": cols, "bits": rows * cols,
        "generation_s": round(gen_s, 3), "readback_s": round(rb_s, 3),
        "gds_bytes": gds.stat().st_size,
        "array_area_mm2": round(area_mm2, 5),
        "array_density_kbit_per_mm2": round(rows * cols / 1000 / area_mm2, 1),
        "macro_density_kbit_per_mm2": None,
        "macro_note": "periphery (decoder, WL drivers, precharge/sense, mux, latch) not "
                      "implemented yet",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", default=None)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" /
                    "rom_density.json")
    a = ap.parse_args()
    pdk = load_pdk("sky130", a.pdk_root, stages=["layout"])
    with tempfile.TemporaryDirectory() as d:
        results = {k: measure(pdk, r, c, Path(d)) for k, (r, c) in SIZES.items()}
    out = {"benchmark": "rom_density", "machine": platform.platform(),
           "cpu_count": __import__("os").cpu_count(), "results": results}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
