"""Engine ROM word map and macros: every integer survives words -> physical image -> GDS ->
readback, and two weight sets of one architecture differ only on the personalisation layer."""

from pathlib import Path

import numpy as np
import pytest

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.rom_macros import (
    bank_images,
    macro_images,
    macro_shapes,
    pdk_macro_shapes,
    physical_macros,
    readback_model,
    write_macros_gds,
)
from taalas_flow.engine.rom_map import quant_model_from_words, rom_map, rom_words
from taalas_flow.errors import InputError
from taalas_flow.model.golden import GoldenModel, quantise_model
from taalas_flow.model.loader import load_checkpoint
from taalas_flow.pdk import load_pdk
from taalas_flow.rom.verilog import words_from_image
from taalas_flow.signoff.xor import xor_gds


@pytest.fixture(scope="module")
def ckpts():
    return load_checkpoint("tiny-llama"), load_checkpoint("tiny-llama-b")


@pytest.mark.parametrize("bits", [3, 4, 6])
def test_word_map_round_trip(ckpts, bits: int) -> None:
    qm = quantise_model(ckpts[0], bits, 32)
    arch = EngineArch(qm.config, bits, 32, 8)
    wbits, pbits = rom_words(arch, qm)
    m = rom_map(arch)
    assert wbits.shape == (m.weight_depth, 8 * bits) and pbits.shape == (m.param_depth, 64)
    assert quant_model_from_words(arch, wbits, pbits).same_integers(qm)
    # lane p of word (group 0, column 5) of q_proj is row p's weight
    place = m.matrices["0.q_proj"]
    lanes = wbits[place.wbase + 5].reshape(8, bits).astype(int)
    vals = (lanes << np.arange(bits)).sum(axis=1)
    vals = np.where(vals >= 1 << (bits - 1), vals - (1 << bits), vals)
    assert vals.tolist() == qm.layers[0]["q_proj"].q[:8, 5].tolist()


def test_physical_images_hold_the_words(tiny_q4) -> None:
    qm, arch = tiny_q4
    words = dict(zip(("wrom", "prom"), rom_words(arch, qm), strict=True))
    for name, img in macro_images(arch, qm).items():
        s = macro_shapes(arch)[name]
        assert img.shape == (s.rows, s.cols) and s.rows % 2 == 0
        assert np.array_equal(words_from_image(img, s.mux)[: s.depth], words[name])
        assert not words_from_image(img, s.mux)[s.depth:].any()      # padding is empty


def test_wide_roms_become_column_banks(tiny_q4, pdk_root: Path) -> None:
    """Word lines stay within the PDK config's limit, and the banks of a ROM hold every bit of
    its logical image once."""
    pdk = load_pdk("sky130", pdk_root)
    qm, arch = tiny_q4
    limit = pdk.data["rom"]["max_wordline_cols"]
    logical = macro_shapes(arch)
    images = macro_images(arch, qm)
    for name, s in pdk_macro_shapes(pdk, arch).items():
        assert s.bank_cols <= limit and s.banks * s.bank_cols == s.cols
        assert (s.rows, s.mux, s.cols) == (logical[name].rows, logical[name].mux,
                                           logical[name].cols)
        banks = bank_images(s, images[name])
        assert list(banks) == s.bank_names
        assert np.array_equal(np.hstack(list(banks.values())), images[name])
    assert logical["wrom"].cols > limit            # tiny-llama's weight ROM does need banks
    assert len(physical_macros(pdk, arch)) > len(logical)


def test_gds_readback_and_xor(ckpts, pdk_root: Path, tmp_path: Path) -> None:
    pdk = load_pdk("sky130", pdk_root)
    qa, qb = (quantise_model(c, 4, 32) for c in ckpts)
    arch = EngineArch(qa.config, 4, 32, 8)
    a = write_macros_gds(pdk, arch, macro_images(arch, qa), tmp_path / "a.gds")
    b = write_macros_gds(pdk, arch, macro_images(arch, qb), tmp_path / "b.gds")
    back = readback_model(pdk, arch, a)
    assert back.same_integers(qa)
    prompt = list(b"ben likes the ")       # the weights read from the GDS generate the same text
    assert GoldenModel(back).generate(prompt, 16) == GoldenModel(qa).generate(prompt, 16)
    assert readback_model(pdk, arch, b).same_integers(qb)
    assert not readback_model(pdk, arch, a).same_integers(qb)
    xor = xor_gds(a, b, pdk.personalisation_gds_layers)
    assert xor.only_allowed and xor.allowed_diff_count > 100_000
    import gdstk

    names = set(gdstk.read_rawcells(str(a)))
    assert all(f"{m}_personality" in names for m in physical_macros(pdk, arch))
    again = write_macros_gds(pdk, arch, macro_images(arch, qa), tmp_path / "a2.gds")
    assert a.read_bytes() == again.read_bytes()                      # deterministic


def test_architecture_the_engine_cannot_build(ckpts) -> None:
    with pytest.raises(InputError, match="not a multiple of 6 lanes"):
        EngineArch(ckpts[0].config, 4, 32, 6)
    with pytest.raises(InputError, match="power-of-two block size"):
        EngineArch(ckpts[0].config, 4, 48, 8)
    with pytest.raises(InputError, match="does not match the engine"):
        qm = quantise_model(ckpts[0], 4, 32)
        rom_words(EngineArch(qm.config, 6, 32, 8), qm)
