"""`taalas-flow synth`: a user's RTL through LibreLane lint + synthesis + our OpenSTA step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from taalas_flow.errors import InputError
from taalas_flow.librelane_run import run_flow, synthesis_config
from taalas_flow.pdk import load_pdk


def synthesise(
    verilog: list[Path], top: str, pdk_name: str, pdk_root: Path | None, clock_period: float,
    clock_port: str, runs: Path, tag: str | None, layout: bool = False,
    extra_config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`extra_config`: LibreLane variables on top of the PDK's synthesis defaults (a block
    whose outputs drive known loads, say)."""
    from taalas_flow.flows import TaalasLogic, TaalasSynth

    stages = ["synthesis", "timing"] + (["layout", "signoff"] if layout else [])
    pdk = load_pdk(pdk_name, pdk_root, stages=stages)
    config = synthesis_config(pdk, top)
    config.update({
        "VERILOG_FILES": [str(v.resolve()) for v in verilog],
        "CLOCK_PORT": clock_port,
        "CLOCK_PERIOD": clock_period,
        "TAALAS_CLOCK_PERIOD": clock_period,
        "TAALAS_CLOCK_PORT": clock_port,
        # The RTL instantiates no cells; the PDK's flattened cell models use UDPs Verilator
        # cannot resolve.
        "LINTER_INCLUDE_PDK_MODELS": False,
        **(extra_config or {}),
    })
    tag = tag or f"synth-{top}-{pdk_name}"
    flow = TaalasLogic if layout else TaalasSynth
    state, run_dir = run_flow(flow, config, pdk, runs.resolve(), tag)
    metrics = dict(state.metrics)
    cells = metrics.get("design__instance__count")
    if cells is None:
        raise InputError(f"synthesis of {top} produced no cell count; see {run_dir}")
    out = {
        "cells": int(cells),
        "area_um2": float(metrics.get("design__instance__area", 0.0)),
        "setup_ws_ns": float(metrics["timing__setup__ws"]),
        "hold_ws_ns": float(metrics.get("timing__hold__ws", float("nan"))),
        "run_dir": str(run_dir),
    }
    if layout:
        out["layout"] = {k.removeprefix("taalas__logic__"): v for k, v in metrics.items()
                         if k.startswith("taalas__logic__")}
        out["layout"]["drc_violations"] = metrics.get("taalas__drc__logic__count")
        out["layout"]["lvs_clean"] = bool(metrics.get("taalas__lvs__logic_clean"))
    (run_dir / "synth_summary.json").write_text(json.dumps(out, indent=2) + "\n")
    return out
