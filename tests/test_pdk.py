from pathlib import Path

import pytest

from taalas_flow.errors import PdkError
from taalas_flow.pdk import load_pdk, resolve_pdk_root


def test_sky130_config_resolves_and_is_complete(pdk_root: Path) -> None:
    pdk = load_pdk("sky130", pdk_root)
    assert pdk.missing_files() == {}
    assert pdk.layer("via3") == (70, 44)
    assert pdk.personalisation_layers == ["via3"]
    assert pdk.liberty("tt").name == "sky130_fd_sc_hd__tt_025C_1v80.lib"


def test_cli_root_beats_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PDK_ROOT", "/nonexistent/env")
    root, source = resolve_pdk_root(tmp_path)
    assert root == tmp_path.resolve() and source == "--pdk-root"
    root, source = resolve_pdk_root(None)
    assert str(root) == "/nonexistent/env" and source == "$PDK_ROOT"


def test_unknown_pdk_names_choices(pdk_root: Path) -> None:
    with pytest.raises(PdkError, match="unknown PDK 'gf180'") as e:
        load_pdk("gf180", pdk_root)
    assert "sky130" in e.value.one_line()


def test_root_without_pdk_dir(tmp_path: Path) -> None:
    with pytest.raises(PdkError, match="has no sky130A/ directory") as e:
        load_pdk("sky130", tmp_path)
    assert "ciel" in e.value.one_line()


def test_incomplete_pdk_names_missing_files(pdk_root: Path, tmp_path: Path) -> None:
    # A PDK tree with only the liberty files: layout and signoff files must be named as missing.
    lib_dir = tmp_path / "sky130A/libs.ref/sky130_fd_sc_hd/lib"
    lib_dir.mkdir(parents=True)
    for lib in (pdk_root / "sky130A/libs.ref/sky130_fd_sc_hd/lib").glob("*.lib"):
        (lib_dir / lib.name).symlink_to(lib)
    pdk = load_pdk("sky130", tmp_path, stages=["timing"])  # timing needs only liberty: fine
    assert "timing" not in pdk.missing_files()
    with pytest.raises(PdkError) as e:
        load_pdk("sky130", tmp_path, stages=["layout", "signoff"])
    msg = e.value.one_line()
    assert "sky130_fd_sc_hd.gds" in msg and "layout" in msg and "signoff" in msg
