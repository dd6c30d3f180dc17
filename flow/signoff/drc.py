"""KLayout DRC with the PDK's Sky130 deck (batch mode, Debian klayout binary).

The deck's FEOL checks are slow on big layouts (TOOLCHAIN.md), so callers choose: FEOL+BEOL on
unique leaf cells/tiles, BEOL+OFFGRID on assembled blocks, FEOL alone on the whole chip.

The FEOL run uses the deck with its vpp (capacitor) rules behind `unless vpp.is_empty?`
(vpp_guarded): each of them takes vpp as an operand, so on a layout without vpp they find
nothing either way, but vpp.5 first forms the union of poly, li, met1 and met2 over the whole
layout. On the tiny-llama chip that union alone ran 47 minutes without finishing; the whole
FEOL deck without it takes under 4 minutes.
"""

from __future__ import annotations

import re
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


# The deck's vpp section: from its heading comment to the next section's.
_VPP = re.compile(r"^#\s*vpp\s*\n(.*?)(?=^#\s*CAPM\s*$)", re.M | re.S)


def vpp_guarded(deck: str) -> str | None:
    """The deck text with its vpp section run only when the layout has vpp shapes; None
    when the deck has no such section where expected (another PDK revision)."""
    m = _VPP.search(deck)
    if not m or "vpp." not in m.group(1):
        return None
    return (deck[:m.start(1)] + "unless vpp.is_empty?\n" + m.group(1).rstrip("\n")
            + "\nend\n\n" + deck[m.end(1):])


def run_drc(pdk: PdkConfig, gds: Path, report: Path, *, feol: bool, beol: bool = True,
            offgrid: bool = True, threads: int = 2, timeout: int = 3600) -> DrcResult:
    klayout = require_tool("klayout", "drc")
    deck = pdk.path("drc_deck")
    if feol and (guarded := vpp_guarded(deck.read_text())) is not None:
        deck = report.with_suffix(".drc")
        deck.write_text(guarded)
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

