"""What a run directory holds, as the report, the CI gate and a re-spin read it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taalas_flow.errors import InputError
from taalas_flow.report.collect import collect


def _step(run: Path, name: str, runtime: str) -> None:
    (run / name).mkdir()
    (run / name / "runtime.txt").write_text(runtime + "\n")


def test_a_resumed_run_counts_each_stage_once(tmp_path: Path) -> None:
    """Resumed with --from at its second stage: the stages list every attempt, the run's
    wall time only the last of each (what a re-spin is measured against)."""
    run = tmp_path / "run"
    (run / "final").mkdir(parents=True)
    (run / "final" / "metrics.json").write_text(json.dumps({"m": 1}))
    _step(run, "01-taalas-load", "00:00:10.0")
    _step(run, "02-taalas-chiptop", "00:20:00.0")
    _step(run, "03-taalas-chiptop", "00:21:00.5")
    data = collect(run)
    assert [s for _n, s in data.stages] == [10.0, 1200.0, 1260.5]
    assert data.full_run_s == pytest.approx(1270.5)
    with pytest.raises(InputError, match="metrics.json"):
        collect(tmp_path)
