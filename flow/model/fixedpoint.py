"""The fixed-point arithmetic of the chip, defined once. RTL and ROM generators import the tables
and constants from here; nothing downstream recomputes them.

Formats
- Activations (residual stream, norm outputs, q/k/v, attention output, MLP hidden): signed 16-bit,
  ACT_FRAC = 8 fractional bits (Q7.8). Every producer saturates to [-32768, 32767].
- Weights: `bits`-bit integers q, per-block 8-bit scale s, per-row exponent e (quantise.py).
  A linear layer accumulates acc = sum_blocks s * sum_i q_i * x_i exactly (int, no rounding) and
  outputs sat16(round_shift(acc, -e)).
- Rounding: round_shift(x, n) = floor((x + 2^(n-1)) / 2^n) for n > 0 (round half up), x * 2^-n
  for n <= 0. Arithmetic shifts only.
- RMSNorm: ss = sum x^2; ms = (ss * RMS_INV_D) >> 16 + eps (Q16); rsqrt from RSQRT_LUT after
  normalising ms to a mantissa in [2^RSQRT_M, 2^(RSQRT_M+2)) with an even shift t;
  y = sat16(round_shift(x * lut * g, RSQRT_L - 8 + t/2 + RSQRT_M/2 + g_frac)).
- Rotary: ROPE_COS/ROPE_SIN[pos, j] in Q14; a' = round_shift(a*c - b*s, 14).
- Attention scores: sat16(round_shift(q.k * ATT_SCALE, 8 + 15)) (Q8); softmax uses
  e_j = EXP_LUT[min((m - s_j) >> EXP_SHIFT, EXP_N - 1)] (Q15, midpoint-sampled exp),
  S = sum e_j, out = sat16(round_shift(sum e_j v_j * RECIP_LUT[mant], RECIP_L + p)) where
  S = mant * 2^(p - RECIP_M) after normalisation (truncating).
- SiLU: x >= SILU_HI -> x; x < -SILU_HI -> 0; else SILU_LUT[(x + SILU_HI) >> SILU_SHIFT] (Q8).
  MLP hidden = sat16(round_shift(silu(gate) * up, 8)).
- Logits: round_shift(acc, -e) as int32 (no saturation); argmax takes the lowest index on ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

ACT_FRAC = 8
ACT_MIN, ACT_MAX = -(1 << 15), (1 << 15) - 1

RSQRT_M = 6          # mantissa in [64, 256): 192 LUT entries
RSQRT_L = 15         # LUT values in Q15 (1/sqrt(1..4) in (0.5, 1])
MS_FRAC = 16         # mean square in Q16

ROPE_FRAC = 14
ATT_SCALE_FRAC = 15

EXP_SHIFT = 3        # LUT step 2^3 / 2^8 = 1/32
EXP_N = 512          # covers score differences [0, 16)
EXP_FRAC = 15

RECIP_M = 8          # mantissa in [256, 512): 256 LUT entries
RECIP_L = 15

SILU_SHIFT = 2       # step 1/64
SILU_HI = 8 << ACT_FRAC


def round_shift(x: np.ndarray | int, n: int | np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    pos = np.maximum(n, 0)
    up = (x + np.where(pos > 0, np.left_shift(np.int64(1), np.maximum(pos - 1, 0)), 0)) >> pos
    return np.where(n > 0, up, x << np.maximum(-n, 0))


def sat16(x: np.ndarray) -> np.ndarray:
    return np.clip(x, ACT_MIN, ACT_MAX).astype(np.int64)


def _rsqrt_lut() -> np.ndarray:
    mant = np.arange(1 << RSQRT_M, 1 << (RSQRT_M + 2), dtype=np.float64)
    return np.rint(2.0**RSQRT_L / np.sqrt(mant / 2.0**RSQRT_M)).astype(np.int64)


def _exp_lut() -> np.ndarray:
    idx = np.arange(EXP_N, dtype=np.float64)
    step = 2.0 ** (EXP_SHIFT - ACT_FRAC)
    return np.rint(2.0**EXP_FRAC * np.exp(-(idx + 0.5) * step)).astype(np.int64)


def _recip_lut() -> np.ndarray:
    mant = np.arange(1 << RECIP_M, 1 << (RECIP_M + 1), dtype=np.float64)
    return np.rint(2.0**RECIP_L * 2.0**RECIP_M / mant).astype(np.int64)


def _silu_lut() -> np.ndarray:
    n = (2 * SILU_HI) >> SILU_SHIFT
    step = 1 << SILU_SHIFT
    x = (np.arange(n, dtype=np.float64) * step + step / 2 - SILU_HI) / 2.0**ACT_FRAC
    return np.rint(2.0**ACT_FRAC * x / (1 + np.exp(-x))).astype(np.int64)


RSQRT_LUT = _rsqrt_lut()
EXP_LUT = _exp_lut()
RECIP_LUT = _recip_lut()
SILU_LUT = _silu_lut()


@dataclass(frozen=True)
class ArchConstants:
    """Per-architecture constants (depend on d, head_dim, context, eps, rope theta)."""

    hidden_size: int
    head_dim: int
    context: int
    rms_norm_eps: float
    rope_theta: float

    @property
    def rms_inv_d(self) -> int:
        return int(round(2.0**16 / self.hidden_size))

    @property
    def eps_q16(self) -> int:
        return max(1, int(round(self.rms_norm_eps * 2.0**MS_FRAC)))

    @property
    def att_scale(self) -> int:
        return int(round(2.0**ATT_SCALE_FRAC / np.sqrt(self.head_dim)))

    @cached_property
    def rope_tables(self) -> tuple[np.ndarray, np.ndarray]:
        half = self.head_dim // 2
        inv = self.rope_theta ** (-np.arange(half, dtype=np.float64) * 2 / self.head_dim)
        ang = np.arange(self.context, dtype=np.float64)[:, None] * inv[None, :]
        c = np.rint(np.cos(ang) * 2.0**ROPE_FRAC).astype(np.int64)
        s = np.rint(np.sin(ang) * 2.0**ROPE_FRAC).astype(np.int64)
        return c, s


def rsqrt_normalise(ms: np.ndarray | int) -> tuple[int, int]:
    """(LUT index, even shift t) with ms ~= (index + 2^RSQRT_M) * 2^t."""
    ms = int(ms)
    p = ms.bit_length() - 1
    t = p - (RSQRT_M + 1)
    if t % 2:
        t += 1
    mant = ms >> t if t >= 0 else ms << -t
    assert (1 << RSQRT_M) <= mant < (1 << (RSQRT_M + 2)), (ms, t, mant)
    return mant - (1 << RSQRT_M), t


def recip_normalise(s: int) -> tuple[int, int]:
    """(LUT index, p) with s ~= (index + 2^RECIP_M) * 2^(p - RECIP_M), p = floor(log2 s)."""
    p = int(s).bit_length() - 1
    sh = p - RECIP_M
    mant = s >> sh if sh >= 0 else s << -sh
    return mant - (1 << RECIP_M), p


def silu_q8(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64)
    idx = np.clip((x + SILU_HI) >> SILU_SHIFT, 0, len(SILU_LUT) - 1)
    return np.where(x >= SILU_HI, x, np.where(x < -SILU_HI, 0, SILU_LUT[idx]))
