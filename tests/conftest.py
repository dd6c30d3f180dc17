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


@pytest.fixture
def cli(pdk_root: Path, tmp_path: Path):
    """Run `taalas-flow ARGS` in tmp_path with PDK_ROOT set; returns CompletedProcess."""

    def _run(*args: str, env: dict | None = None, cwd: Path | None = None,
             timeout: int = 600) -> subprocess.CompletedProcess:
        e = dict(os.environ)
        e["PDK_ROOT"] = str(pdk_root)
        e.update(env or {})
        e = {k: v for k, v in e.items() if v is not None}
        exe = Path(sys.executable).parent / "taalas-flow"
        return subprocess.run([str(exe), *args], cwd=cwd or tmp_path, env=e, text=True,
                              capture_output=True, timeout=timeout)

    return _run
