"""Run manifests: SHA-256 of every input and the version of every tool, so a run can be reproduced
and two runs compared by what went in, not by when they ran."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from taalas_flow import __version__
from taalas_flow.pdk import PdkConfig
from taalas_flow.resources import pdk_configs_dir, rtl_templates_dir
from taalas_flow.toolchain import probe_all


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def hash_inputs(groups: dict[str, Iterable[Path]], relative_to: dict[str, Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group, paths in groups.items():
        base = relative_to.get(group)
        entries = {}
        for p in paths:
            key = str(p.relative_to(base)) if base and p.is_relative_to(base) else str(p)
            entries[key] = sha256_file(p)
        out[group] = dict(sorted(entries.items()))
    return out


def build_manifest(
    pdk: PdkConfig, model_files: list[Path], extra_files: list[Path], settings: dict[str, Any]
) -> dict[str, Any]:
    pdk_files = [pdk.pdk_dir / f for fs in pdk.data["required_files"].values() for f in fs]
    pdk_files = sorted({p for p in pdk_files if p.is_file()})
    groups = {
        "model": model_files,
        "pdk": pdk_files,
        "pdk_config": _files_under(pdk_configs_dir()),
        "rtl_templates": _files_under(rtl_templates_dir()),
        "other": extra_files,
    }
    bases = {
        "model": model_files[0].parent if model_files else Path("/"),
        "pdk": pdk.pdk_dir,
        "pdk_config": pdk_configs_dir(),
        "rtl_templates": rtl_templates_dir(),
    }
    tools = {
        s.spec.name: (s.version if s.found else None) for s in probe_all()
    }
    return {
        "taalas_flow_version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pdk": {"name": pdk.name, "root": str(pdk.root), "root_source": pdk.root_source},
        "settings": settings,
        "tools": tools,
        "inputs_sha256": hash_inputs(groups, bases),
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
