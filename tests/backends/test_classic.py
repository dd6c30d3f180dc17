"""`taalas-flow export-classic`: the LibreLane Classic design written from a finished run is
accepted by LibreLane's own Classic flow (config validation and its lint steps, which run
here without OpenROAD), holds the run's ROM macros unchanged, and is deterministic."""

from __future__ import annotations

import json
import os
from pathlib import Path

import gdstk
import pytest
from conftest import run_cli

from taalas_flow.engine.rom_macros import bank_images, pdk_macro_shapes, readback_images
from taalas_flow.pdk import load_pdk
from taalas_flow.respin import base_arch, read_base_run
from taalas_flow.rom.readback import readback_bits


def _run_dir(tiny_run) -> Path:
    cwd, r = tiny_run
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return next((cwd / "runs").glob("tiny-llama-sky130-*"))


@pytest.fixture(scope="module")
def exported(tiny_run, pdk_root: Path, tmp_path_factory) -> tuple[Path, Path]:
    run_dir = _run_dir(tiny_run)
    out = tmp_path_factory.mktemp("classic") / "design"
    r = run_cli(pdk_root, out.parent, "export-classic", "--base", str(run_dir), "--out",
                str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    return run_dir, out


def _overlay_pdk(pdk_root: Path, dest: Path) -> Path:
    """The test PDK with empty stand-ins for the Magic files this machine's partial PDK
    lacks. Classic's config declares them (its Magic steps); lint never opens them."""
    (dest / "sky130A" / "libs.tech" / "magic").mkdir(parents=True)
    for d in (pdk_root / "sky130A").iterdir():
        if d.name != "libs.tech":
            os.symlink(d, dest / "sky130A" / d.name)
    for d in (pdk_root / "sky130A" / "libs.tech").iterdir():
        if d.name != "magic":
            os.symlink(d, dest / "sky130A" / "libs.tech" / d.name)
    for ext in ("magicrc", "tech", "tcl"):
        p = dest / "sky130A" / "libs.tech" / "magic" / f"sky130A.{ext}"
        if not p.exists():
            p.write_text("")
    return dest


def test_classic_accepts_the_exported_design(exported, pdk_root: Path, tmp_path: Path) -> None:
    from librelane.flows import Flow

    _, out = exported
    cfg = out / "config.json"
    classic = Flow.factory.get("Classic")
    flow = classic(str(cfg), design_dir=str(out), pdk_root=str(_overlay_pdk(pdk_root,
                                                                             tmp_path / "pdk")),
                   pdk="sky130A")
    macros = flow.config["MACROS"]
    assert set(macros) == {"wrom0", "wrom1", "prom0", "prom1"}
    for name, m in macros.items():
        assert all(Path(p).is_file() for p in m.gds + m.lef + m.vh)
        (inst, where), = m.instances.items()
        assert inst.endswith(f"u_{name}") and where.location is not None
    # Classic's own lint steps (Verilator) on our RTL with the macros as black boxes.
    state = flow.start(tag="lint", to="Checker.LintErrors", overwrite=True)
    assert state.metrics["design__lint_error__count"] == 0
    assert state.metrics["design__inferred_latch__count"] == 0


def test_exported_macros_are_the_runs(exported, pdk_root: Path) -> None:
    """Each bank GDS is the run's cell: its via3 reads back as the run's bits, and its LEF
    and black box have the same pins."""
    run_dir, out = exported
    b = read_base_run(run_dir)
    pdk = load_pdk(b["pdk"], pdk_root)
    arch = base_arch(b)
    images = readback_images(pdk, arch, b["gds"])
    for kind, shape in pdk_macro_shapes(pdk, arch).items():
        for bank, bits in bank_images(shape, images[kind]).items():
            gds = out / "macros" / bank / f"{bank}.gds"
            got = readback_bits(pdk, gds, shape.rows, shape.bank_cols,
                                top=f"{bank}_personality")
            assert (got == bits).all()
            lef = (out / "macros" / bank / f"{bank}.lef").read_text()
            bb = (out / "macros" / bank / f"{bank}_bb.v").read_text()
            width = shape.width // shape.banks
            assert f"output wire [{width - 1}:0] DOUT" in bb
            assert lef.count("  PIN DOUT") == width
            (top,) = [c for c in gdstk.read_gds(str(gds)).top_level()]
            assert top.name == bank


def test_export_is_deterministic(exported, pdk_root: Path, tmp_path: Path) -> None:
    run_dir, out = exported
    again = tmp_path / "again"
    r = run_cli(pdk_root, tmp_path, "export-classic", "--base", str(run_dir), "--out", str(again))
    assert r.returncode == 0, r.stderr
    files = sorted(p.relative_to(out) for p in out.rglob("*")
                   if p.is_file() and "runs" not in p.parts)
    assert files and files == sorted(p.relative_to(again) for p in again.rglob("*")
                                     if p.is_file())
    for f in files:
        assert (out / f).read_bytes() == (again / f).read_bytes(), f
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["CLOCK_PERIOD"] == read_base_run(run_dir)["clock_ns"]


def test_export_refuses_what_is_not_a_run(cli, tmp_path: Path) -> None:
    r = cli("export-classic", "--base", str(tmp_path))
    assert r.returncode == 2 and "is not a finished `taalas-flow run`" in r.stderr
    assert "Traceback" not in r.stderr
