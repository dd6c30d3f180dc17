"""ngspice read-path timing of ROM arrays (far-corner bit, tt and ss corners).
Writes bench/results/rom_read_timing.json.

    python bench/rom_read_timing.py [--pdk-root DIR] [--sizes 128x128,844x512]

Measures the array only (ideal word-line driver step, bit line precharged to VDD): the
periphery that would add decoder, driver and sense delay does not exist yet.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.characterise import characterise_read


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", default=None)
    ap.add_argument("--sizes", default="128x128,844x512")
    ap.add_argument("--corners", default="tt,ss")
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
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"benchmark": "rom_read_timing", "results": results},
                                indent=2) + "\n")


if __name__ == "__main__":
    main()
