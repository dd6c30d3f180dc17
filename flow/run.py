"""`taalas-flow run`: validate every input up front (so bad input never leaves a half-written run),
then run the TaalasFlow LibreLane flow and summarise it."""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console
from rich.table import Table

from taalas_flow.die import check_fits
from taalas_flow.librelane_run import base_config, run_flow
from taalas_flow.pdk import load_pdk


def run_model(model: str, pdk_name: str, pdk_root: Path | None, runs: Path, tag: str,
              frm: str | None, console: Console, bits: int = 4, block: int = 32) -> Path:
    from taalas_flow.flows import TaalasFlow
    from taalas_flow.model.golden import quantise_model
    from taalas_flow.model.loader import load_checkpoint

    pdk = load_pdk(pdk_name, pdk_root)
    ckpt = load_checkpoint(model)
    qm = quantise_model(ckpt, bits, block)
    check_fits(qm.rom_bits(), pdk, f"model {ckpt.name} at {bits} bits/weight")

    config = base_config(pdk, "taalas_chip")
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
    return run_dir


def _xor_partner(model_dir: Path) -> str | None:
    """A built-in second weight set of the same architecture (tiny-llama -> tiny-llama-b)."""
    partner = model_dir.parent / f"{model_dir.name}-b"
    return str(partner) if (partner / "config.json").is_file() else None


def _summarise(console: Console, run_dir: Path, metrics: dict, missing: list) -> None:
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
