"""Running our LibreLane Flows from Python with the settings taalas-flow always wants.

One place decides: which `yosys` LibreLane calls (our pyosys shim), where runs go, how a failed
Step is turned into one actionable line (stage, log path, the tool's last lines).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from taalas_flow.errors import FlowError as TaalasFlowError
from taalas_flow.errors import ToolError
from taalas_flow.pdk import PdkConfig
from taalas_flow.toolchain import shim_path


def base_config(pdk: PdkConfig, design_name: str) -> dict[str, Any]:
    """Keys every taalas-flow Flow uses."""
    return {"DESIGN_NAME": design_name, "TAALAS_PDK_CONFIG": pdk.name}


def synthesis_config(pdk: PdkConfig, design_name: str) -> dict[str, Any]:
    """base_config plus what Flows with LibreLane's Yosys synthesis and our OpenSTA step use."""
    syn = pdk.data["synthesis"]
    return base_config(pdk, design_name) | {
        "EXTRA_EXCLUDED_CELLS": list(syn["dont_use"]),
        # LibreLane's generated ABC script (choices via fraig_store, no `&fraig -x`, which takes
        # minutes on adder trees): 8x8 MAC 447 cells / 4474 um2 in 4 s. "AREA 3" gave 812 cells.
        "SYNTH_STRATEGY": str(syn["strategy"]),
        "CLOCK_PERIOD": float(syn["clock_period_ns"]),
        "TAALAS_CLOCK_PERIOD": float(syn["clock_period_ns"]),
    }


def put_yosys_shim_on_path() -> None:
    """LibreLane calls `yosys` from PATH (its Toolbox) and $_LLN_OVERRIDE_YOSYS (its Steps).

    Both must reach the pyosys shim: a Debian yosys 0.23 found first on PATH cannot run `-y`.
    """
    shim = shim_path()
    bin_dir = Path(tempfile.gettempdir()) / f"taalas-flow-bin-{os.getuid()}"
    bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / "yosys"
    text = f'#!/bin/sh\nexec "{shim}" "$@"\n'
    if not wrapper.is_file() or wrapper.read_text() != text:
        tmp = bin_dir / f".yosys.{os.getpid()}"
        tmp.write_text(text)
        tmp.chmod(0o755)
        tmp.replace(wrapper)
    os.environ["_LLN_OVERRIDE_YOSYS"] = str(wrapper)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != str(bin_dir):
        os.environ["PATH"] = str(bin_dir) + os.pathsep + os.environ.get("PATH", "")


def _tail(path: Path, n: int = 5) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    errors = [line.strip() for line in lines if "error" in line.lower()]
    shown = errors[:2] if errors else lines[-n:]
    return " | ".join(line.strip() for line in shown if line.strip())


def _step_dirs(run_dir: Path) -> list[Path]:
    return sorted((p for p in run_dir.iterdir() if p.is_dir() and p.name[:1].isdigit()),
                  key=lambda p: int(p.name.split("-", 1)[0]))


def _failed_step_dir(run_dir: Path) -> Path | None:
    """The last step directory without a state_out.json (the step that did not finish)."""
    unfinished = [d for d in _step_dirs(run_dir) if not (d / "state_out.json").is_file()]
    return unfinished[-1] if unfinished else None


def _failed_step_log(run_dir: Path) -> Path | None:
    for step_dir in reversed(_step_dirs(run_dir)):
        logs = sorted(step_dir.glob("*.log"))
        if logs:
            return logs[-1]
    return None


def resume_state_file(run_dir: Path, step_ids: list[str], frm: str) -> Path | None:
    """The state_out.json a run resumed at step `frm` starts from: that of the last finished
    step directory of a step before `frm` in the flow. LibreLane itself takes the newest
    state_out.json anywhere under the run directory, which after a step that ran a nested
    flow (our synthesis of a block) and then failed or was stopped is the nested flow's, and
    the resumed step then misses the views only the outer flow had. None: no such step
    (a resume from the first step, or an id the flow does not have: LibreLane decides)."""
    from librelane.common import slugify

    if frm not in step_ids or not run_dir.is_dir():
        return None
    before = {slugify(i) for i in step_ids[:step_ids.index(frm)]}
    for d in reversed(_step_dirs(run_dir)):
        if d.name.split("-", 1)[-1] in before and (d / "state_out.json").is_file():
            return d / "state_out.json"
    return None


def run_flow(
    flow_cls: type, config: dict[str, Any], pdk: PdkConfig, runs_parent: Path, tag: str,
    *, last_run: bool = False, frm: str | None = None, overwrite: bool = True,
) -> tuple[Any, Path]:
    """Start a Flow; return (final state, run dir). Failures become ToolError."""
    from librelane.flows import FlowError, FlowException
    from librelane.state import State

    put_yosys_shim_on_path()
    runs_parent.mkdir(parents=True, exist_ok=True)
    flow = flow_cls(
        config, design_dir=str(runs_parent), pdk_root=str(pdk.root), pdk=pdk.pdk,
        scl=pdk.data["std_cell_library"],
    )
    run_dir = runs_parent / "runs" / tag
    resume = (resume_state_file(run_dir, [s.id for s in flow_cls.Steps], frm)
              if frm and not overwrite else None)
    try:
        state = flow.start(tag=tag, last_run=last_run, frm=frm, overwrite=overwrite,
                           with_initial_state=State.loads(resume.read_text()) if resume else None)
    except TaalasFlowError as e:
        failed = _failed_step_dir(run_dir) if run_dir.is_dir() else None
        step = f" in {failed.name}" if failed else ""
        resume = f"completed stages are kept in {run_dir}, resume with --from <step id>"
        raise type(e)(f"{e.message}{step}",
                      f"{e.hint}; {resume}" if e.hint else resume) from None
    except (FlowError, FlowException) as e:
        log = _failed_step_log(run_dir) if run_dir.is_dir() else None
        where = f"; log {log}: {_tail(log)}" if log else ""
        raise ToolError(f"flow {flow_cls.__name__} failed: {e}{where}",
                        f"fix the cause, then resume with --from <step> (run dir {run_dir})") \
            from None
    return state, run_dir
