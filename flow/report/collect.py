"""Gather what a run measured from its directory (LibreLane layout: numbered step dirs,
final/metrics.json, our manifest.json). Nothing here computes new results."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from taalas_flow.errors import InputError


@dataclass
class RunData:
    run_dir: Path
    metrics: dict
    manifest: dict
    stages: list[tuple[str, float]]              # (step dir name, seconds), in run order
    step_files: dict[str, dict] = field(default_factory=dict)   # step id -> {json name: data}
    config: dict = field(default_factory=dict)                  # the run's resolved config
    gds: Path | None = None

    @property
    def full_run_s(self) -> float:
        """The flow's wall time: each stage's last attempt (a run resumed with --from keeps
        the attempts it superseded, which built nothing the run's outputs hold)."""
        last = {name.split("-", 1)[1]: s for name, s in self.stages}
        return sum(last.values())


def _seconds(text: str) -> float:
    h, m, s = text.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _step_dirs(run_dir: Path) -> list[Path]:
    dirs = [d for d in run_dir.iterdir() if d.is_dir() and re.match(r"^\d+-", d.name)]
    return sorted(dirs, key=lambda d: int(d.name.split("-", 1)[0]))


def collect(run_dir: Path) -> RunData:
    metrics_file = run_dir / "final" / "metrics.json"
    if not metrics_file.is_file():
        raise InputError(f"{run_dir} has no final/metrics.json",
                         "give the directory of a finished `taalas-flow run`")
    manifest_file = run_dir / "manifest.json"
    data = RunData(run_dir, json.loads(metrics_file.read_text()),
                   json.loads(manifest_file.read_text()) if manifest_file.is_file() else {}, [])
    latest: dict[str, Path] = {}
    for d in _step_dirs(run_dir):
        rt = d / "runtime.txt"
        if rt.is_file():
            data.stages.append((d.name, _seconds(rt.read_text())))
        latest[d.name.split("-", 1)[1]] = d        # a resumed stage: the last attempt wins
    for step, d in latest.items():
        data.step_files[step] = {f.name: json.loads(f.read_text()) for f in d.glob("*.json")
                                 if f.name not in ("config.json", "state_in.json",
                                                   "state_out.json")}
    resolved = run_dir / "resolved.json"
    data.config = json.loads(resolved.read_text()) if resolved.is_file() else {}
    gds = sorted((run_dir / "final" / "gds").glob("*.gds"))
    data.gds = gds[0] if gds else None
    return data
