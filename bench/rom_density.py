"""ROM compiler benchmark: generation time, readback time and density for 16 kbit, 256 kbit and
1 Mbit images of random bits, as a bare array and as a whole macro (address predecoder, array,
word-line decoder/drivers, precharge, column select, output flops). Writes
bench/results/rom_density.json.

    python bench/rom_density.py [--pdk-root DIR]

Areas are the bounding boxes of the generated GDS (array: the array cell; macro: the top cell,
whose pins are the binary address, PRE, CLK and the data outputs).
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
from taalas_flow.rom.macro import write_rom_macro
from taalas_flow.rom.readback import readback_bits

# rows, columns, column mux of the macro
SIZES = {"16kbit": (128, 128, 8), "256kbit": (512, 512, 16), "1Mbit": (1024, 1024, 32)}


def measure(pdk, rows: int, cols: int, mux: int, workdir: Path) -> dict:
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
    mgds, mcdl = workdir / f"macro_{rows}x{cols}.gds", workdir / f"macro_{rows}x{cols}.cdl"
    t0 = time.perf_counter()
    write_rom_macro(pdk, bits, mux, mgds, mcdl, name="rom")
    macro_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    mback = readback_bits(pdk, mgds, rows, cols, top="rom_personality")
    mrb_s = time.perf_counter() - t0
    assert np.array_equal(mback, bits)
    macro_mm2 = gds_area_mm2(mgds)
    return {
        "rows": rows, "cols": cols, "bits": rows * cols, "mux": mux,
        "word_bits": cols // mux, "words": rows * mux,
        "array_generation_s": round(gen_s, 3), "array_readback_s": round(rb_s, 3),
        "array_gds_bytes": gds.stat().st_size,
        "array_area_mm2": round(area_mm2, 5),
        "array_density_kbit_per_mm2": round(rows * cols / 1000 / area_mm2, 1),
        "macro_generation_s": round(macro_s, 3), "macro_readback_s": round(mrb_s, 3),
        "macro_gds_bytes": mgds.stat().st_size, "macro_cdl_bytes": mcdl.stat().st_size,
        "macro_area_mm2": round(macro_mm2, 5),
        "macro_density_kbit_per_mm2": round(rows * cols / 1000 / macro_mm2, 1),
        "periphery_share_of_macro_area": round(1 - area_mm2 / macro_mm2, 4),
        "macro_pins": "binary address, PRE, CLK, DOUT (predecoder included)",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", default=None)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" /
                    "rom_density.json")
    a = ap.parse_args()
    pdk = load_pdk("sky130", a.pdk_root, stages=["layout"])
    with tempfile.TemporaryDirectory() as d:
        results = {k: measure(pdk, r, c, m, Path(d)) for k, (r, c, m) in SIZES.items()}
    out = {"benchmark": "rom_density", "machine": platform.platform(),
           "cpu_count": __import__("os").cpu_count(), "results": results}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
