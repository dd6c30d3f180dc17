"""`taalas-flow synth` as a user runs it: real LibreLane lint + Yosys + OpenSTA."""

import json
import re
from pathlib import Path

import pytest

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


def test_synth_mac8_layout(cli, tmp_path: Path) -> None:
    """`--layout`: the netlist placed and wired into a GDS that KLayout DRC and LVS pass."""
    r = cli("synth", str(FIX / "mac8.v"), "--top", "mac8", "--layout", "--tag", "lay")
    assert r.returncode == 0, r.stderr + r.stdout
    out = " ".join(r.stdout.split())          # rich wraps long lines
    m = re.search(r"mac8 layout: ([\d.]+) x ([\d.]+) um, (\d+) rows, utilisation ([\d.]+) %, "
                  r"DRC (\d+) violations, LVS (\w+), worst setup slack with wiring "
                  r"parasitics (-?[\d.]+) ns", out)
    assert m, r.stdout
    assert m.group(5) == "0" and m.group(6) == "clean"
    run_dir = tmp_path / "runs" / "lay"
    metrics = json.loads((run_dir / "final" / "metrics.json").read_text())
    assert metrics["taalas__drc__logic__count"] == 0
    assert metrics["taalas__lvs__logic_clean"] == 1
    assert metrics["taalas__logic__cells"] == metrics["design__instance__count"]
    # The wiring's RC can only slow the paths down: slack with parasitics below the
    # synthesis estimate (no wires), and every wired net annotated.
    assert float(m.group(7)) == pytest.approx(metrics["taalas__logic__setup_ws_ns"], abs=1e-3)
    assert metrics["taalas__logic__setup_ws_ns"] < metrics["timing__setup__ws"]
    assert metrics["taalas__logic__spef_nets"] == metrics["taalas__logic__nets_routed"]
    assert metrics["taalas__logic__wire_cap_pf"] > 0
    w, h = float(m.group(1)), float(m.group(2))
    assert abs(metrics["taalas__logic__area_um2"] - w * h) / (w * h) < 1e-3
    gds = list((run_dir / "final" / "gds").glob("*.gds"))
    assert [g.name for g in gds] == ["mac8.gds"]
