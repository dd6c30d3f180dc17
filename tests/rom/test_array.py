"""ROM array views: GDS generation, readback, netlist; checked with the PDK's DRC and LVS decks."""

from pathlib import Path

import numpy as np
import pytest

from taalas_flow.errors import InputError
from taalas_flow.pdk import load_pdk
from taalas_flow.rom.layout import write_rom_array_gds
from taalas_flow.rom.netlist import write_array_cdl
from taalas_flow.rom.readback import readback_bits
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs
from taalas_flow.signoff.xor import xor_gds


@pytest.fixture(scope="module")
def pdk(pdk_root):
    return load_pdk("sky130", pdk_root)


@pytest.mark.parametrize("shape,seed", [((2, 1), 0), ((16, 16), 1), ((34, 70), 2),
                                        ((256, 64), 3)])
def test_readback_of_random_images(pdk, tmp_path: Path, shape, seed) -> None:
    bits = np.random.default_rng(seed).integers(0, 2, shape)
    gds = write_rom_array_gds(pdk, bits, tmp_path / "r.gds")
    assert np.array_equal(readback_bits(pdk, gds, *shape), bits)


def test_gds_is_deterministic(pdk, tmp_path: Path) -> None:
    bits = np.random.default_rng(5).integers(0, 2, (32, 32))
    a = write_rom_array_gds(pdk, bits, tmp_path / "a.gds").read_bytes()
    b = write_rom_array_gds(pdk, bits.copy(), tmp_path / "b.gds").read_bytes()
    assert a == b


def test_bad_images_rejected(pdk, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="even, non-zero row count"):
        write_rom_array_gds(pdk, np.zeros((3, 4)), tmp_path / "x.gds")
    with pytest.raises(InputError, match="only 0 and 1"):
        write_rom_array_gds(pdk, np.full((2, 2), 2), tmp_path / "x.gds")


def test_readback_rejects_off_grid_via(pdk, tmp_path: Path) -> None:
    import gdstk

    gds = write_rom_array_gds(pdk, np.zeros((4, 4)), tmp_path / "r.gds")
    lib = gdstk.read_gds(str(gds))
    top = lib.top_level()[0]
    top.add(gdstk.rectangle((1.0, 1.0), (1.2, 1.2), layer=70, datatype=44))
    lib.write_gds(str(gds))
    with pytest.raises(InputError, match="not on a bitcell site"):
        readback_bits(pdk, gds, 4, 4)


@pytest.mark.parametrize("fill", ["random", "ones", "zeros"])
def test_drc_feol_and_beol_clean(pdk, tmp_path: Path, fill: str) -> None:
    rng = np.random.default_rng(7)
    bits = {"random": rng.integers(0, 2, (16, 16)), "ones": np.ones((16, 16)),
            "zeros": np.zeros((16, 16))}[fill]
    gds = write_rom_array_gds(pdk, bits, tmp_path / "d.gds")
    r = run_drc(pdk, gds, tmp_path / "d.lyrdb", feol=True, beol=True, offgrid=True)
    assert r.violations == 0, r.by_rule


def test_lvs_clean_and_detects_a_wrong_bit(pdk, tmp_path: Path) -> None:
    bits = np.random.default_rng(11).integers(0, 2, (12, 10))
    gds = write_rom_array_gds(pdk, bits, tmp_path / "rom.gds", name="rom")
    cdl = write_array_cdl(pdk, bits, tmp_path / "rom.cdl", "rom")
    ok = run_lvs(pdk, gds, cdl, tmp_path / "lvs_ok")
    assert ok.clean and ok.devices_extracted == bits.size
    wrong = bits.copy()
    wrong[5, 3] ^= 1
    cdl_bad = write_array_cdl(pdk, wrong, tmp_path / "bad.cdl", "rom")
    assert not run_lvs(pdk, gds, cdl_bad, tmp_path / "lvs_bad").clean


def test_xor_differs_only_on_personalisation_layer(pdk, tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    a = write_rom_array_gds(pdk, rng.integers(0, 2, (32, 32)), tmp_path / "a.gds")
    b = write_rom_array_gds(pdk, rng.integers(0, 2, (32, 32)), tmp_path / "b.gds")
    personalisation = pdk.personalisation_gds_layers
    r = xor_gds(a, b, personalisation)
    assert r.only_allowed and list(r.differing) == ["70/44"]
    assert r.differing["70/44"] > 0
    same = xor_gds(a, a, personalisation)
    assert same.differing == {}
