"""ngspice read-path timing of ROM arrays (far-corner bit, tt and ss corners).
Writes bench/results/rom_read_timing.json.

    python bench/rom_read_timing.py [--pdk-root DIR] [--sizes 128x128,844x512]

Two measurements:
- array read path (ideal word-line step, bit line precharged to VDD, met4 and poly parasitics
  from the PDK) for large arrays;
- whole generated macros (--macros ROWSxCOLSxMUX): the LVS netlist with the PDK's standard-cell
  transistors, words read from the address pins through the predecoder, word-line decoder and
  drivers, precharge, column select and output flops; every DOUT bit compared with the image.
  No wiring parasitics in this one.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.characterise import characterise_read
from taalas_flow.rom.macro import rom_macro
from taalas_flow.rom.simulate import simulate_reads


def macro_read(pdk, rows: int, cols: int, mux: int, corner: str, workdir: Path) -> dict:
    bits = np.random.default_rng(rows + cols).integers(0, 2, (rows, cols))
    _, cdl = rom_macro(pdk, bits, mux, "rom")
    words = rows * mux
    addresses = [words - 1, 0, words // 2 + 1, 7, words - mux, 3]
    r = simulate_reads(pdk, bits, mux, cdl, "rom", addresses, corner, workdir)
    return {"corner": corner, "rows": rows, "cols": cols, "mux": mux,
            "words_read": len(addresses), "bits_checked": int(r.expected.size),
            "ones_read": int(r.expected.sum()), "all_correct": r.passed,
            "period_ns": r.period_ns, "p_line_to_data_line_ns": round(r.wl_to_dl_ns, 4),
            "pre_to_p_line_ns": round(r.pre_to_p_ns, 4),
            "address_to_field_line_ns": round(r.predecode_f_ns, 4),
            "address_to_column_select_ns": round(r.predecode_sel_ns, 4),
            "field_line_to_group_decode_ns": round(r.decoder_ns, 4),
            "p_line_to_word_line_ns": round(r.driver_ns, 4),
            "bit_line_to_data_line_ns": round(r.select_ns, 4)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", default=None)
    ap.add_argument("--sizes", default="128x128,844x512")
    ap.add_argument("--corners", default="tt,ss")
    ap.add_argument("--macros", default="32x16x8")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).parent / "results" / "rom_read_timing.json")
    a = ap.parse_args()
    pdk = load_pdk("sky130", a.pdk_root, stages=[])
    results = []
    with tempfile.TemporaryDirectory() as d:
        for size in a.sizes.split(","):
            rows, cols = (int(x) for x in size.split("x"))
            for corner in a.corners.split(","):
                t0 = time.perf_counter()
                r = characterise_read(pdk, rows, cols, corner, Path(d) / f"{size}_{corner}")
                results.append(asdict(r) | {"sim_wall_s": round(time.perf_counter() - t0, 1)})
                print(results[-1], flush=True)
        macros = []
        for spec in filter(None, a.macros.split(",")):
            rows, cols, mux = (int(x) for x in spec.split("x"))
            for corner in a.corners.split(","):
                t0 = time.perf_counter()
                m = macro_read(pdk, rows, cols, mux, corner, Path(d) / f"m{spec}_{corner}")
                macros.append(m | {"sim_wall_s": round(time.perf_counter() - t0, 1)})
                print(macros[-1], flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"benchmark": "rom_read_timing", "results": results,
                                 "macro_reads": macros}, indent=2) + "\n")


if __name__ == "__main__":
    main()
