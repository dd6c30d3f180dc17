import numpy as np
import pytest

from taalas_flow.errors import InputError
from taalas_flow.model.quantise import (
    pack_bits,
    qmax,
    quantise_matrix,
    unpack_bits,
)


@pytest.mark.parametrize("bits", [3, 4, 6])
def test_pack_unpack_round_trip(bits: int) -> None:
    rng = np.random.default_rng(bits)
    v = rng.integers(-qmax(bits), qmax(bits) + 1, size=1000)
    packed = pack_bits(v, bits)
    assert packed.size == 1000 * bits and set(np.unique(packed)) <= {0, 1}
    assert np.array_equal(unpack_bits(packed, bits), v)


@pytest.mark.parametrize("bits", [3, 4, 6])
def test_quantisation_error_is_half_a_step(bits: int) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((48, 128)) * rng.uniform(0.01, 1.0, size=(48, 1))
    qm = quantise_matrix(w, bits, 32)
    assert qm.q.dtype == np.int8 and np.abs(qm.q).max() <= qmax(bits)
    assert qm.scale.min() >= 1 and qm.scale.max() <= 255
    step = np.repeat(qm.scale, 32, axis=1) * np.exp2(qm.exp)[:, None]
    err = np.abs(w - qm.dequantise())
    assert np.all(err <= step / 2 + 1e-12)
    # Each row's largest block scale uses the top of the 8-bit range (no wasted precision).
    assert qm.scale.max(axis=1).min() >= 128


def test_quantisation_is_deterministic() -> None:
    w = np.random.default_rng(1).standard_normal((16, 64))
    a, b = quantise_matrix(w, 4, 32), quantise_matrix(w.copy(), 4, 32)
    assert np.array_equal(a.q, b.q) and np.array_equal(a.scale, b.scale)


def test_zero_rows_and_bad_arguments() -> None:
    w = np.zeros((2, 32))
    qm = quantise_matrix(w, 4, 32)
    assert np.all(qm.q == 0) and np.all(qm.dequantise() == 0)
    with pytest.raises(InputError, match="block size 24 does not divide"):
        quantise_matrix(np.ones((2, 32)), 4, 24)
    with pytest.raises(InputError, match="unsupported bit width 5"):
        quantise_matrix(np.ones((2, 32)), 5, 32)


def test_more_bits_less_error() -> None:
    w = np.random.default_rng(2).standard_normal((32, 64))
    errs = [np.abs(w - quantise_matrix(w, b, 32).dequantise()).mean() for b in (3, 4, 6)]
    assert errs[0] > errs[1] > errs[2]
