"""KLayout LVS with the PDK's Sky130 deck: layout (GDS) against a reference CDL netlist."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.errors import ToolError
from taalas_flow.pdk import PdkConfig
from taalas_flow.toolchain import require_tool

MATCH = "Congratulations! Netlists match."
MISMATCH = "ERROR : Netlists don't match"


@dataclass(frozen=True)
class LvsResult:
    clean: bool
    devices_extracted: int
    log: Path
    extracted: Path


def lvs_script(pdk: PdkConfig, workdir: Path,
               blackbox: str | list[str] | None = None) -> Path:
    """The PDK's LVS deck as a plain KLayout LVS script that also writes the cross-reference
    database (.lvsdb: mismatches, for KLayout's netlist browser); the deck itself only writes a
    DRC-style report. With `blackbox`, cells matching that pattern (or those patterns) are
    compared as black boxes: only their pins and how they are wired (the library's own cell
    LVS is the PDK's; several sky130_fd_sc_hd cells fold a series stack into two stacks
    with separate midpoints where the CDL has one shared node, which KLayout does not
    reduce)."""
    text = pdk.path("lvs_deck").read_text()
    m = re.search(r"<text>(.*)</text>", text, re.S)
    if not m:
        raise ToolError(f"{pdk.path('lvs_deck')}: not a KLayout macro file (no <text> element)")
    body = html.unescape(m.group(1)).replace("report($report_file)", "report_lvs($report_file)")
    if blackbox:
        # After the deck's netlist.simplify (which would purge a blank cell's pins), before
        # its compare; the CDL reader upper-cases names, so both spellings.
        if "\nif ! compare" not in body:
            raise ToolError(f"{pdk.path('lvs_deck')}: no `if ! compare` to put the black-box "
                            "declaration before")
        pats = [blackbox] if isinstance(blackbox, str) else blackbox
        decl = "".join(f'blank_circuit("{q}")\n' for p in pats for q in (p, p.upper()))
        body = body.replace("\nif ! compare", "\n" + decl + "if ! compare", 1)
    path = workdir / "sky130_lvs.lvs"
    path.write_text(body)
    return path


def run_lvs(pdk: PdkConfig, gds: Path, cdl: Path, workdir: Path,
            timeout: int = 3600, blackbox: str | list[str] | None = None) -> LvsResult:
    klayout = require_tool("klayout", "lvs")
    workdir.mkdir(parents=True, exist_ok=True)
    extracted = workdir / f"{gds.stem}_extracted.cir"
    log = workdir / f"{gds.stem}_lvs.log"
    cmd = [klayout, "-b", "-rd", f"in_gds={gds}", "-rd",
           f"report_file={workdir / (gds.stem + '.lvsdb')}", "-rd", f"cdl_file={cdl}",
           "-rd", f"target_netlist={extracted}", "-r", str(lvs_script(pdk, workdir, blackbox))]
    with log.open("w") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    text = log.read_text(errors="replace")
    if proc.returncode != 0 or (MATCH not in text and MISMATCH not in text):
        tail = " | ".join(text.strip().splitlines()[-3:])
        raise ToolError(f"KLayout LVS did not complete on {gds} (exit {proc.returncode}); "
                        f"log {log}: {tail}")
    devices = sum(1 for line in extracted.read_text().splitlines() if line.startswith("M"))
    return LvsResult(MATCH in text, devices, log, extracted)
