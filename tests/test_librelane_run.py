"""Resuming a run: the state a step resumed with --from starts from."""

from __future__ import annotations

import os
from pathlib import Path

from taalas_flow.librelane_run import resume_state_file

STEPS = ["Taalas.Quantise", "Taalas.RomPorts", "Taalas.DataMemory", "Taalas.ChipTop"]


def _step(run: Path, name: str, finished: bool, mtime: float) -> Path:
    d = run / name
    d.mkdir(parents=True)
    if finished:
        (d / "state_out.json").write_text("{}")
        os.utime(d / "state_out.json", (mtime, mtime))
    return d


def test_a_resumed_step_starts_from_the_step_before_it_not_a_nested_flows_state(tmp_path):
    run = tmp_path / "runs" / "t"
    _step(run, "01-taalas-quantise", True, 100)
    _step(run, "02-taalas-romports", True, 200)
    failed = _step(run, "03-taalas-datamemory", False, 0)
    # the data-memory step synthesised its logic with a nested flow, then stopped: that
    # flow's state is the newest state_out.json under the run (what LibreLane would take)
    nested = failed / "logic" / "runs" / "logic" / "final"
    nested.mkdir(parents=True)
    (nested / "state_out.json").write_text("{}")
    os.utime(nested / "state_out.json", (300, 300))
    assert resume_state_file(run, STEPS, "Taalas.DataMemory") == (
        run / "02-taalas-romports" / "state_out.json")
    # resumed again from ROM ports and finished up to the chip: a resume from the chip step
    # takes the newest attempt of the data memory, and one from ROM ports the quantiser's
    _step(run, "04-taalas-romports", True, 400)
    _step(run, "05-taalas-datamemory", True, 500)
    assert resume_state_file(run, STEPS, "Taalas.ChipTop") == (
        run / "05-taalas-datamemory" / "state_out.json")
    assert resume_state_file(run, STEPS, "Taalas.RomPorts") == (
        run / "01-taalas-quantise" / "state_out.json")
    # the first step, an id the flow lacks, or no run yet: LibreLane's own rules
    assert resume_state_file(run, STEPS, "Taalas.Quantise") is None
    assert resume_state_file(run, STEPS, "Taalas.Nope") is None
    assert resume_state_file(tmp_path / "none", STEPS, "Taalas.ChipTop") is None
