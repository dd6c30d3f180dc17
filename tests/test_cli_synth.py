"""`taalas-flow synth` as a user runs it: real LibreLane lint + Yosys + OpenSTA."""

import json
import re
from pathlib import Path

FIX = Path(__file__).parent / "fixtures"


def test_synth_mac8(cli, tmp_path: Path) -> None:
    r = cli("synth", str(FIX / "mac8.v"), "--top", "mac8")
    assert r.returncode == 0, r.stderr + r.stdout
    m = re.search(r"mac8: (\d+) cells, area ([\d.]+) um\^2, worst setup slack (-?[\d.]+) ns",
                  r.stdout.replace("\n", " "))
    assert m, r.stdout
    cells, area, slack = int(m.group(1)), float(m.group(2)), float(m.group(3))
    assert 300 <= cells <= 800  # TOOLCHAIN.md measured ~520 for an 8x8 MAC
    assert 2000 < area < 8000
    assert -10.0 < slack < 10.0
    run_dir = tmp_path / "runs" / "synth-mac8-sky130"
    summary = json.loads((run_dir / "synth_summary.json").read_text())
    assert summary["cells"] == cells
    metrics = json.loads((run_dir / "final" / "metrics.json").read_text())
    assert metrics["design__instance__count"] == cells
    assert metrics["timing__setup__ws"] == slack or abs(metrics["timing__setup__ws"] - slack) < 1e-3


def test_synth_missing_file(cli) -> None:
    r = cli("synth", "no/such/file.v", "--top", "x")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0
    assert "Verilog file not found: no/such/file.v" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_synth_syntax_error(cli) -> None:
    r = cli("synth", str(FIX / "syntax_error.v"), "--top", "broken")
    assert r.returncode != 0
    err = r.stderr.strip()
    assert "Traceback" not in r.stderr + r.stdout
    assert err.startswith("taalas-flow: error:") and err.count("\n") == 0
    assert "syntax_error.v" in err and "lint" in err.lower()


def test_synth_missing_pdk(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty_pdk"
    empty.mkdir()
    r = cli("synth", str(FIX / "mac8.v"), "--top", "mac8", "--pdk-root", str(empty))
    assert r.returncode == 3
    assert r.stderr.strip().count("\n") == 0 and "ciel" in r.stderr
    assert "Traceback" not in r.stderr
