"""`taalas-flow run`: validate every input up front (so bad input never leaves a half-written run),
then run the TaalasFlow LibreLane flow and summarise it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rich.console import Console
from rich.table import Table

from taalas_flow.die import check_fits
from taalas_flow.errors import SignoffError
from taalas_flow.librelane_run import run_flow, synthesis_config
from taalas_flow.pdk import load_pdk
from taalas_flow.signoff.verdict import signoff_failures


def run_model(model: str, pdk_name: str, pdk_root: Path | None, runs: Path, tag: str,
              frm: str | None, console: Console, bits: int = 4, block: int = 32) -> Path:
    from taalas_flow.flows import TaalasFlow
    from taalas_flow.model.golden import quantise_model
    from taalas_flow.model.loader import load_checkpoint

    pdk = load_pdk(pdk_name, pdk_root)
    ckpt = load_checkpoint(model)
    qm = quantise_model(ckpt, bits, block)
    check_fits(qm.rom_bits(), pdk, f"model {ckpt.name} at {bits} bits/weight")

    config = synthesis_config(pdk, "taalas_chip")
    config.update({
        "TAALAS_MODEL_DIR": str(ckpt.directory),
        "TAALAS_WEIGHT_BITS": bits,
        "TAALAS_BLOCK_SIZE": block,
        "TAALAS_XOR_MODEL_DIR": _xor_partner(ckpt.directory),
    })
    run_tag = f"{ckpt.name}-{pdk_name}-{tag}"
    state, run_dir = run_flow(TaalasFlow, config, pdk, runs.resolve(), run_tag, frm=frm,
                              overwrite=frm is None)
    manifests = sorted(run_dir.glob("*-taalas-manifest/manifest.json"))
    if manifests:
        shutil.copyfile(manifests[-1], run_dir / "manifest.json")
    _summarise(console, run_dir, dict(state.metrics), TaalasFlow.NOT_IMPLEMENTED)
    index = publish_report(run_dir, pdk_name, pdk_root)
    console.print(f"report: {index}")
    failures = signoff_failures(dict(state.metrics))
    if failures:
        raise SignoffError(f"signoff failed: {'; '.join(failures)}",
                           f"details in {run_dir} and {index}")
    return run_dir


BACKENDS = ("structured", "librelane-classic")


def check_backend(backend: str) -> None:
    """Refuse an unusable backend before anything runs (no half-written run)."""
    from taalas_flow.errors import InputError, ToolError

    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}", f"choose one of {', '.join(BACKENDS)}")
    if backend == "librelane-classic":
        if shutil.which("openroad") is None:
            raise ToolError("backend librelane-classic needs `openroad` on PATH, and there is "
                            "none", "OpenROAD is on no registry reachable here (see "
                            "../shared/TOOLCHAIN.md); use the default --backend structured, "
                            "then `taalas-flow export-classic --base runs/<run>` writes the "
                            "Classic design for a machine that has OpenROAD")
        raise ToolError("`run --backend librelane-classic` does not drive the Classic flow "
                        "itself yet (issue 6)", "run with --backend structured, then "
                        "`taalas-flow export-classic --base runs/<run>` and "
                        "`librelane runs/<run>/classic/config.json`")


def _xor_partner(model_dir: Path) -> str | None:
    """A built-in second weight set of the same architecture (tiny-llama -> tiny-llama-b)."""
    partner = model_dir.parent / f"{model_dir.name}-b"
    return str(partner) if (partner / "config.json").is_file() else None


def _summarise(console: Console, run_dir: Path, metrics: dict, missing: list) -> None:
    from taalas_flow.report.collect import collect

    stages = Table(title="stages")
    stages.add_column("stage")
    stages.add_column("seconds", justify="right")
    data = collect(run_dir)
    for name, sec in data.stages:
        stages.add_row(name, f"{sec:.1f}")
    stages.add_row("[b]total[/] (each stage's last attempt)", f"[b]{data.full_run_s:.1f}[/]")
    console.print(stages)
    t = Table(title=f"taalas-flow run {run_dir.name}")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k in sorted(metrics):
        if k.startswith("taalas__"):
            v = metrics[k]
            t.add_row(k, f"{v:.4g}" if isinstance(v, float) else f"{v:,}")
    console.print(t)
    for stage, where in missing:
        console.print(f"[yellow]not implemented yet[/]: {stage} ({where})")
    console.print(f"run directory: {run_dir}  (metrics: final/metrics.json, "
                  f"manifest: manifest.json)")


def publish_report(run_dir: Path, pdk_name: str, pdk_root: Path | None,
                   out: Path | None = None) -> Path:
    """reports/<run>/index.html next to runs/, linked from the run as report.html."""
    from taalas_flow.errors import InputError
    from taalas_flow.report.html import build_report

    run_dir = run_dir.resolve()
    if not (run_dir / "final" / "metrics.json").is_file():
        raise InputError(f"{run_dir} is not a finished run (no final/metrics.json)")
    pdk = load_pdk(pdk_name, pdk_root, stages=["signoff"])
    out = out or run_dir.parent.parent / "reports" / run_dir.name
    index = build_report(run_dir, pdk, out)
    link = run_dir / "report.html"
    if link.is_symlink() or link.exists():
        link.unlink()
    try:
        link.symlink_to(os.path.relpath(index, run_dir))
    except OSError:
        shutil.copyfile(index, link)
    return index


def ci_gate(baseline: Path, model: str, pdk_name: str, pdk_root: Path | None, runs: Path,
            run_dir: Path | None, write_baseline: bool, console: Console) -> int:
    import json

    from taalas_flow.ci_gate import compare, load_baseline, run_metrics

    base = None if write_baseline else load_baseline(baseline)   # before a long run, not after
    if run_dir is None:
        run_dir = run_model(model, pdk_name, pdk_root, runs, "ci", None, console)
        publish_report(run_dir, pdk_name, pdk_root)
    current = run_metrics(run_dir)
    if write_baseline:
        baseline.parent.mkdir(parents=True, exist_ok=True)
        baseline.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        console.print(f"baseline written: {baseline}")
        return 0
    assert base is not None
    rows = compare(base, current)
    t = Table(title=f"taalas-flow ci: {run_dir.name} vs {baseline.name}")
    for col in ("metric", "baseline", "current", "change", "tolerance", "status"):
        t.add_column(col, justify="right" if col in ("baseline", "current", "change") else "left")
    for c in rows:
        b, cur = c.baseline, c.current
        change = "" if b is None or cur is None else f"{cur - b:+.4g}"
        colour = {"REGRESSED": "red", "missing": "red", "improved": "green"}.get(c.status, "")
        status = f"[{colour}]{c.status}[/]" if colour else c.status
        t.add_row(c.rule.what or c.rule.metric, "-" if b is None else f"{b:.6g}",
                  "-" if cur is None else f"{cur:.6g}", change, c.tolerance, status)
    console.print(t)
    failed = [c for c in rows if c.failed]
    if failed:
        console.print(f"[red]{len(failed)} regression(s)[/]: "
                      + ", ".join(c.rule.metric for c in failed))
        return 1
    console.print("[green]no regressions[/]")
    return 0
