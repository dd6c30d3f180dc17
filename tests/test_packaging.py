"""Every Python package directory in the source tree is listed in pyproject.toml: a missing one
installs without error and then fails only on a fresh clone (the install is non-editable)."""

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _source_dir(pkg: str, dirs: dict[str, str]) -> Path:
    key = max((k for k in dirs if pkg == k or pkg.startswith(k + ".")), key=len)
    rest = pkg[len(key):].lstrip(".").split(".") if pkg != key else []
    return (REPO / dirs[key]).joinpath(*rest).resolve()


def test_every_package_directory_is_packaged() -> None:
    st = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    covered = {_source_dir(p, st["package-dir"]) for p in st["packages"]}
    for init in sorted((REPO / "flow").rglob("__init__.py")):
        assert init.parent.resolve() in covered, f"{init.parent} is not in pyproject packages"
