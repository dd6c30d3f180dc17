"""Where the project's data folders are, installed or in a checkout.

pdk_configs/, rtl_templates/ and models/ are top-level folders of the repository; the wheel ships
them inside the package (see pyproject.toml), so code never relies on the current directory.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    packaged = _PKG / name
    if packaged.is_dir():
        return packaged
    return _PKG.parent / name


def pdk_configs_dir() -> Path:
    return _data_dir("pdk_configs")


def rtl_templates_dir() -> Path:
    return _data_dir("rtl_templates")


def models_dir() -> Path:
    return _data_dir("models")


def checkout_candidates() -> list[Path]:
    """Directories that may be the user's checkout: the source tree and cwd with its parents."""
    found = []
    if (_PKG.parent / "pyproject.toml").is_file():
        found.append(_PKG.parent)
    cwd = Path.cwd().resolve()
    found.extend(p for p in (cwd, *cwd.parents) if (p / "pyproject.toml").is_file())
    return found
