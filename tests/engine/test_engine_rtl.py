"""The whole engine RTL against the golden model, bit for bit (cocotb on Icarus): a short prompt
plus a few generated tokens; the long run is bench/engine_tokens.py."""

import json
from pathlib import Path

import pytest

from taalas_flow.engine.simulate import run_engine_sim


@pytest.mark.parametrize("bits", [4])
def test_engine_generates_golden_tokens(tmp_path: Path, bits: int) -> None:
    res = run_engine_sim(tmp_path, model="tiny-llama", bits=bits, lanes=8,
                         prompt="the cat ", n_new=3)
    assert res["passed"], res["log_tail"]
    data = json.loads(Path(res["result"]).read_text())
    assert len(data["generated"]) == 3
    assert len(data["cycles_per_token"]) == len("the cat ") + 2
    # every layer's vectors were compared: 9 vectors per layer per token at least
    assert data["values_checked"] > 0


def test_engine_bench_catches_a_corrupted_weight_row(tmp_path: Path, monkeypatch) -> None:
    """The comparison is not vacuous: flipping the sign bit of q_proj row 0's weights in the ROM
    words is caught at the first layer check. (A single low-order bit can legitimately vanish
    in the requantiser's rounding, so the test corrupts a whole row.)"""
    import numpy as np

    import taalas_flow.engine.rom_macros as macros
    from taalas_flow.engine.rom_map import rom_map

    real = macros.rom_words

    def corrupted(arch, qm):
        wbits, pbits = real(arch, qm)
        wbits = np.array(wbits)
        place = rom_map(arch).matrices["0.q_proj"]
        wbits[place.wbase:place.wbase + place.cols, arch.bits - 1] ^= 1   # lane 0 = row 0
        return wbits, pbits

    monkeypatch.setattr(macros, "rom_words", corrupted)
    res = run_engine_sim(tmp_path, model="tiny-llama", bits=4, lanes=8, prompt="t", n_new=1)
    assert not res["passed"]
    assert "layer 0 q" in res["log_tail"]
