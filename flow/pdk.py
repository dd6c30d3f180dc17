"""PDK resolution: `--pdk NAME` -> pdk_configs/NAME.yaml + a PDK root in open_pdks layout.

Search order for the root is `--pdk-root`, then `$PDK_ROOT`, then `../shared/pdk` beside the
checkout (the project's development layout). Nothing is ever downloaded: a missing PDK is an error
that names the missing files and says how to install the PDK with ciel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from taalas_flow.errors import PdkError
from taalas_flow.resources import checkout_candidates, pdk_configs_dir

CIEL_HINT = (
    "install it with `pip install ciel && ciel enable --pdk-family sky130 <version>` "
    "and pass --pdk-root or set PDK_ROOT"
)


@dataclass(frozen=True)
class PdkConfig:
    """Parsed pdk_configs/<name>.yaml plus the resolved root directory."""

    name: str
    data: dict[str, Any]
    root: Path
    root_source: str = field(default="")

    @property
    def pdk(self) -> str:
        return str(self.data["pdk"])

    @property
    def pdk_dir(self) -> Path:
        return self.root / self.pdk

    def path(self, key: str) -> Path:
        """Absolute path of a PDK file named by a top-level key of the yaml (e.g. `cell_gds`)."""
        return self.pdk_dir / self.data[key]

    def liberty(self, corner: str = "tt") -> Path:
        return self.pdk_dir / self.data["liberty"][corner]

    def layer(self, name: str, purpose: str = "drawing") -> tuple[int, int]:
        pair = self.data["layers"][name][purpose]
        return int(pair[0]), int(pair[1])

    @cached_property
    def personalisation_layers(self) -> list[str]:
        return list(self.data["personalisation_layers"])

    @cached_property
    def personalisation_gds_layers(self) -> list[tuple[int, int]]:
        return [self.layer(n) for n in self.personalisation_layers]

    def missing_files(self, stages: list[str] | None = None) -> dict[str, list[str]]:
        """Files each stage needs that are absent under the root, keyed by stage."""
        required: dict[str, list[str]] = self.data["required_files"]
        missing: dict[str, list[str]] = {}
        for stage, files in required.items():
            if stages is not None and stage not in stages:
                continue
            absent = [f for f in files if not (self.pdk_dir / f).is_file()]
            if absent:
                missing[stage] = absent
        return missing

    def require(self, stages: list[str] | None = None) -> None:
        """Raise one PdkError listing every missing file (for the given stages, or all)."""
        missing = self.missing_files(stages)
        if not missing:
            return
        files = sorted({f for fs in missing.values() for f in fs})
        shown = ", ".join(files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
        raise PdkError(
            f"PDK at {self.pdk_dir} (from {self.root_source}) is incomplete for "
            f"{', '.join(sorted(missing))}: missing {shown}",
            CIEL_HINT,
        )


def available_pdks() -> list[str]:
    return sorted(p.stem for p in pdk_configs_dir().glob("*.yaml"))


def load_pdk_data(name: str) -> dict[str, Any]:
    path = pdk_configs_dir() / f"{name}.yaml"
    if not path.is_file():
        raise PdkError(
            f"unknown PDK '{name}'",
            f"choose one of: {', '.join(available_pdks()) or 'none found'}",
        )
    with path.open() as f:
        return yaml.safe_load(f)


def resolve_pdk_root(cli_root: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """The PDK root and where it came from; first of --pdk-root, $PDK_ROOT, ../shared/pdk."""
    if cli_root:
        return Path(cli_root).expanduser().resolve(), "--pdk-root"
    env = os.environ.get("PDK_ROOT")
    if env:
        return Path(env).expanduser().resolve(), "$PDK_ROOT"
    for base in checkout_candidates():
        candidate = (base / ".." / "shared" / "pdk").resolve()
        if candidate.is_dir():
            return candidate, "../shared/pdk"
    raise PdkError(
        "no PDK root found: --pdk-root not given, PDK_ROOT not set, no ../shared/pdk beside the "
        "checkout",
        CIEL_HINT,
    )


def load_pdk(
    name: str, pdk_root: str | os.PathLike[str] | None = None, stages: list[str] | None = None
) -> PdkConfig:
    """Resolve and validate a PDK; `stages=[]` skips the file check."""
    data = load_pdk_data(name)
    root, source = resolve_pdk_root(pdk_root)
    cfg = PdkConfig(name=name, data=data, root=root, root_source=source)
    if not cfg.pdk_dir.is_dir():
        raise PdkError(f"PDK root {root} (from {source}) has no {cfg.pdk}/ directory", CIEL_HINT)
    if stages != []:
        cfg.require(stages)
    return cfg
