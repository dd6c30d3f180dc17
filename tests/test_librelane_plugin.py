"""`librelane -f <our flow>` must run the same Steps as `taalas-flow`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

FIX = Path(__file__).parent / "fixtures"


def test_plugin_is_discovered() -> None:
    import librelane.plugins
    from librelane.flows import Flow
    from librelane.steps import Step

    assert "librelane_plugin_taalas" in librelane.plugins.discovered_plugins
    assert Flow.factory.get("TaalasFlow") is not None
    assert Step.factory.get("Taalas.OpenSTA") is not None


def test_librelane_cli_runs_our_synth_flow(tmp_path: Path, pdk_root: Path) -> None:
    shutil.copy(FIX / "mac8.v", tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({
        "DESIGN_NAME": "mac8", "VERILOG_FILES": "dir::mac8.v", "CLOCK_PORT": "clk",
        "CLOCK_PERIOD": 10.0, "LINTER_INCLUDE_PDK_MODELS": False,
    }))
    env = {k: v for k, v in os.environ.items() if k != "_LLN_OVERRIDE_YOSYS"}
    exe = Path(sys.executable).parent / "librelane"
    r = subprocess.run(
        [str(exe), "--manual-pdk", "--pdk-root", str(pdk_root), "--pdk", "sky130A",
         "-f", "TaalasSynth", "--run-tag", "t", "config.json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    metrics = json.loads((tmp_path / "runs/t/final/metrics.json").read_text())
    assert 300 <= metrics["design__instance__count"] <= 800
    assert isinstance(metrics["timing__setup__ws"], float)
