"""`taalas-flow ci`: passes against its own baseline, fails on an injected regression with a
diff table, refuses a missing baseline."""

import json
from pathlib import Path

from conftest import run_cli


def test_ci_baseline_and_regression(tiny_run, pdk_root: Path, tmp_path: Path) -> None:
    cwd, r = tiny_run
    assert r.returncode == 0, r.stderr[-2000:]
    run_dir = str(cwd / "runs" / "tiny-llama-sky130-latest")
    base = tmp_path / "baseline.json"
    w = run_cli(pdk_root, tmp_path, "ci", "--baseline", str(base), "--run-dir", run_dir,
                "--write-baseline")
    assert w.returncode == 0, w.stderr
    metrics = json.loads(base.read_text())
    assert metrics["taalas__flow__runtime_s"] > 0

    ok = run_cli(pdk_root, tmp_path, "ci", "--baseline", str(base), "--run-dir", run_dir,
                 env={"COLUMNS": "200"})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "no regressions" in ok.stdout

    # Inject regressions: a baseline 10% smaller in area and 1 ns better in slack.
    metrics["design__instance__area"] *= 0.9
    metrics["timing__setup__ws"] += 1.0
    bad = tmp_path / "better_baseline.json"
    bad.write_text(json.dumps(metrics))
    fail = run_cli(pdk_root, tmp_path, "ci", "--baseline", str(bad), "--run-dir", run_dir,
                   env={"COLUMNS": "200"})
    assert fail.returncode == 1, fail.stdout + fail.stderr
    assert "2 regression(s)" in fail.stdout
    assert "design__instance__area" in fail.stdout and "timing__setup__ws" in fail.stdout
    assert fail.stdout.count("REGRESSED") == 2

    # An improvement is not a failure.
    metrics["design__instance__area"] /= 0.9 * 0.9
    metrics["timing__setup__ws"] -= 2.0
    better = tmp_path / "worse_baseline.json"
    better.write_text(json.dumps(metrics))
    imp = run_cli(pdk_root, tmp_path, "ci", "--baseline", str(better), "--run-dir", run_dir,
                  env={"COLUMNS": "200"})
    assert imp.returncode == 0 and "improved" in imp.stdout


def test_ci_missing_baseline(cli, tmp_path: Path) -> None:
    r = cli("ci", "--baseline", "nope.json", "--run-dir", str(tmp_path))
    assert r.returncode == 2
    assert "baseline not found: nope.json" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_runtime_counts_a_resumed_stage_once(tmp_path: Path) -> None:
    """A run resumed with --from keeps the superseded attempt's directory: its time is not
    the run's."""
    from taalas_flow.ci_gate import run_metrics

    (tmp_path / "final").mkdir()
    (tmp_path / "final" / "metrics.json").write_text("{}")
    for name, t in (("01-taalas-a", "00:00:10.0"), ("02-taalas-b", "00:01:00.0"),
                    ("03-taalas-b", "00:00:50.0")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "runtime.txt").write_text(t)
    assert run_metrics(tmp_path)["taalas__flow__runtime_s"] == 60.0
