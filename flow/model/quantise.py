"""Symmetric block quantisation with integer per-block scales, and packed ROM bit images.

A weight matrix W [rows, cols] (rows = output neurons) is cut into blocks of `block` consecutive
weights along each row. Per block: an unsigned 8-bit scale mantissa s; per row: a signed exponent
e, so the block's real scale is s * 2^e and w ~= q * s * 2^e with q a `bits`-bit two's-complement
integer in [-(2^(bits-1)-1), 2^(bits-1)-1]. Everything the hardware needs is an integer (q, s, e):
no floating point survives quantisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taalas_flow.errors import InputError

SUPPORTED_BITS = (3, 4, 6)
SCALE_BITS = 8
SCALE_MAX = (1 << SCALE_BITS) - 1


@dataclass(frozen=True)
class QuantMatrix:
    q: np.ndarray        # int8 [rows, cols]
    scale: np.ndarray    # int32 [rows, cols // block], 1..255
    exp: np.ndarray      # int32 [rows], row exponent
    bits: int
    block: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.q.shape  # type: ignore[return-value]

    def dequantise(self) -> np.ndarray:
        s = np.repeat(self.scale, self.block, axis=1).astype(np.float64)
        return self.q * s * np.exp2(self.exp.astype(np.float64))[:, None]

    def rom_bits(self) -> int:
        rows, cols = self.shape
        return rows * cols * self.bits + self.scale.size * SCALE_BITS + rows * SCALE_BITS


def qmax(bits: int) -> int:
    return (1 << (bits - 1)) - 1


def quantise_matrix(w: np.ndarray, bits: int, block: int) -> QuantMatrix:
    if bits not in SUPPORTED_BITS:
        raise InputError(f"unsupported bit width {bits}",
                         f"choose one of {', '.join(map(str, SUPPORTED_BITS))}")
    if w.ndim != 2:
        raise InputError(f"quantisation needs a matrix, got shape {w.shape}")
    rows, cols = w.shape
    if block <= 0 or cols % block:
        raise InputError(f"block size {block} does not divide the row length {cols}")
    w = w.astype(np.float64)
    blocks = w.reshape(rows, cols // block, block)
    amax = np.abs(blocks).max(axis=2)                         # [rows, nblk]
    real_scale = amax / qmax(bits)
    row_max = real_scale.max(axis=1)
    # Smallest exponent with max scale <= 255 * 2^e; all-zero rows get e = 0.
    with np.errstate(divide="ignore"):
        e = np.where(row_max > 0, np.ceil(np.log2(np.maximum(row_max, 1e-300) / SCALE_MAX)), 0)
    e = e.astype(np.int32)
    unit = np.exp2(e.astype(np.float64))[:, None]
    # Ceil keeps |w| / (s * 2^e) <= qmax, so rounding never needs to clip by more than 0.5.
    s = np.clip(np.ceil(real_scale / unit - 1e-12), 1, SCALE_MAX).astype(np.int32)
    step = (s.astype(np.float64) * unit)[:, :, None]
    q = np.clip(np.rint(blocks / step), -qmax(bits), qmax(bits)).astype(np.int8)
    return QuantMatrix(q.reshape(rows, cols), s, e, bits, block)


def pack_bits(values: np.ndarray, bits: int) -> np.ndarray:
    """Two's-complement `bits`-wide fields, LSB first, concatenated into a flat uint8 bit array
    (one element per ROM bit)."""
    v = values.astype(np.int64).ravel() & ((1 << bits) - 1)
    shifts = np.arange(bits, dtype=np.int64)
    return ((v[:, None] >> shifts[None, :]) & 1).astype(np.uint8).ravel()


def unpack_bits(bitarray: np.ndarray, bits: int, signed: bool = True) -> np.ndarray:
    b = bitarray.astype(np.int64).reshape(-1, bits)
    v = (b << np.arange(bits, dtype=np.int64)[None, :]).sum(axis=1)
    if signed:
        v = np.where(v >= 1 << (bits - 1), v - (1 << bits), v)
    return v


@dataclass(frozen=True)
class NormVector:
    """RMSNorm gain as int8 with a power-of-two scale: g ~= gi * 2^-frac."""

    gi: np.ndarray   # int32 [d], within int8 range
    frac: int

    def dequantise(self) -> np.ndarray:
        return self.gi * 2.0 ** -self.frac


def quantise_norm(g: np.ndarray) -> NormVector:
    amax = float(np.abs(g).max())
    frac = 6 if amax == 0 else int(np.floor(np.log2(127 / amax)))
    gi = np.clip(np.rint(g * 2.0**frac), -127, 127).astype(np.int32)
    return NormVector(gi, frac)
