"""Shared fixtures: the PDK root used by tests (PDK_ROOT, else ../shared/pdk beside the checkout)
and a helper that runs the installed `taalas-flow` command as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _default_pdk_root() -> Path:
    env = os.environ.get("PDK_ROOT")
    return Path(env) if env else (REPO / ".." / "shared" / "pdk").resolve()


@pytest.fixture(scope="session")
def pdk_root() -> Path:
    root = _default_pdk_root()
    if not (root / "sky130A").is_dir():
        pytest.fail(f"tests need the Sky130 PDK at {root} (set PDK_ROOT)")
    return root


def run_cli(pdk_root: Path, cwd: Path, *args: str, env: dict | None = None,
            timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the installed `taalas-flow ARGS` in cwd with PDK_ROOT set."""
    e = dict(os.environ)
    e["PDK_ROOT"] = str(pdk_root)
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    exe = Path(sys.executable).parent / "taalas-flow"
    return subprocess.run([str(exe), *args], cwd=cwd, env=e, text=True, capture_output=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def tiny_q4():
    """tiny-llama quantised as a default run does (4 bits, blocks of 32) and the 8-lane
    engine built for it: (QuantModel, EngineArch)."""
    from taalas_flow.engine.arch import EngineArch
    from taalas_flow.model.golden import quantise_model
    from taalas_flow.model.loader import load_checkpoint

    qm = quantise_model(load_checkpoint("tiny-llama"), 4, 32)
    return qm, EngineArch(qm.config, 4, 32, 8)


@pytest.fixture
def cli(pdk_root: Path, tmp_path: Path):
    """Run `taalas-flow ARGS` in tmp_path with PDK_ROOT set; returns CompletedProcess."""

    def _run(*args: str, env: dict | None = None, cwd: Path | None = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
        return run_cli(pdk_root, cwd or tmp_path, *args, env=env, timeout=timeout)

    return _run


@pytest.fixture(scope="session")
def tiny_run(pdk_root: Path, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One full `taalas-flow run --model tiny-llama` shared by the tests that inspect a run
    (its metrics, report and CI gate): (working directory, completed process)."""
    cwd = tmp_path_factory.mktemp("tiny_run")
    # about 35 minutes on 2 cores (the chip step lays the core out three times and runs the
    # ROM macros' ngspice read beside it); the limit leaves room for a slower machine
    r = run_cli(pdk_root, cwd, "run", "--model", "tiny-llama", "--pdk", "sky130",
                env={"COLUMNS": "200"}, timeout=3600)
    return cwd, r
