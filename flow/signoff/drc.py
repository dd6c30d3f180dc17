"""KLayout DRC with the PDK's Sky130 deck (batch mode, Debian klayout binary).

The deck's FEOL checks are slow on big layouts (TOOLCHAIN.md), so callers choose: FEOL+BEOL on
unique leaf cells/tiles, BEOL+OFFGRID on assembled blocks.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.errors import ToolError
from taalas_flow.pdk import PdkConfig
from taalas_flow.toolchain import require_tool


@dataclass(frozen=True)
class DrcResult:
    violations: int
    by_rule: dict[str, int]
    report: Path
    feol: bool
    beol: bool


def parse_lyrdb(path: Path) -> Counter:
    root = ET.parse(path).getroot()
    counts: Counter = Counter()
    for item in root.iter("item"):
        cat = item.findtext("category") or "?"
        counts[cat.strip("'\"")] += 1
    return counts


def run_drc(pdk: PdkConfig, gds: Path, report: Path, *, feol: bool, beol: bool = True,
            offgrid: bool = True, threads: int = 2, timeout: int = 3600) -> DrcResult:
    klayout = require_tool("klayout", "drc")
    deck = pdk.path("drc_deck")
    cmd = [klayout, "-b", "-rd", f"in_gds={gds}", "-rd", f"report_file={report}",
           "-rd", f"feol={int(feol)}", "-rd", f"beol={int(beol)}",
           "-rd", f"offgrid={int(offgrid)}", "-rd", f"threads={threads}", "-r", str(deck)]
    log = report.with_suffix(".log")
    with log.open("w") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not report.is_file():
        tail = " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
        raise ToolError(f"KLayout DRC failed on {gds} (exit {proc.returncode}); log {log}: "
                        f"{tail}")
    counts = parse_lyrdb(report)
    return DrcResult(sum(counts.values()), dict(sorted(counts.items())), report, feol, beol)


def window_tile(lib, top: str, box: tuple[float, float, float, float], name: str):
    """The instances of `top` that lie wholly inside `box` (with the top's own shapes that do),
    as a new gdstk library whose top cell is `name`: a FEOL tile of a flat block too big to
    check whole. Wires cut by the window are left out, so only its FEOL is meaningful."""
    import gdstk

    src = next(c for c in lib.cells if c.name == top)
    x0, y0, x1, y1 = box

    def inside(bb) -> bool:
        return bb is not None and bb[0][0] >= x0 and bb[0][1] >= y0 and bb[1][0] <= x1 \
            and bb[1][1] <= y1

    cell = gdstk.Cell(name)
    for ref in src.references:
        if inside(ref.bounding_box()):
            cell.add(gdstk.Reference(ref.cell, ref.origin, ref.rotation, ref.magnification,
                                     ref.x_reflection))
    for p in src.polygons:
        if inside(p.bounding_box()):
            cell.add(p.copy())
    out = gdstk.Library(unit=lib.unit, precision=lib.precision)
    out.add(cell, *cell.dependencies(True))
    return out
