"""The engine's two ROM macros and where every model integer sits in them.

Weight ROM: one word per (row group, column) of each matrix; lane p of the word holds the
`bits`-bit weight of row g*P + p, so P MAC lanes read their P weights in one access while the
activation x[col] is broadcast. Parameter ROM (8-bit lanes): per matrix the block scales
(one word per (group, block)), then the row exponents (one word per group); per RMSNorm the gains
(P per word) and one word holding the gain's power-of-two scale in lane 0.

The map depends only on the architecture (shapes), so it is base die; the word contents are the
personalisation. `quant_model_from_words` inverts it: that is the readback from silicon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taalas_flow.engine.arch import LOGIT_HEADROOM, EngineArch
from taalas_flow.errors import InputError
from taalas_flow.model.golden import QuantModel, assemble_quant_model
from taalas_flow.model.quantise import SCALE_BITS, NormVector, QuantMatrix


@dataclass(frozen=True)
class MatrixPlace:
    rows: int
    cols: int
    wbase: int     # weight ROM word of (group 0, col 0)
    sbase: int     # parameter ROM word of (group 0, block 0) scales
    ebase: int     # parameter ROM word of group 0's row exponents


@dataclass(frozen=True)
class NormPlace:
    gbase: int     # parameter ROM word of gains 0..P-1
    frac: int      # parameter ROM word whose lane 0 is the gain's fractional bits


@dataclass(frozen=True)
class RomMap:
    matrices: dict[str, MatrixPlace]
    norms: dict[str, NormPlace]
    weight_depth: int
    param_depth: int


def _matrix_shapes(arch: EngineArch) -> dict[str, tuple[int, int]]:
    c = arch.config
    d, f, kv, qd = c.hidden_size, c.intermediate_size, c.kv_dim, c.num_attention_heads * c.head_dim
    shapes = {"embed": (c.vocab_size, d)}
    if not c.tie_word_embeddings:
        shapes["lm_head"] = (c.vocab_size, d)
    for i in range(c.num_hidden_layers):
        shapes |= {f"{i}.q_proj": (qd, d), f"{i}.k_proj": (kv, d), f"{i}.v_proj": (kv, d),
                   f"{i}.o_proj": (d, qd), f"{i}.gate_proj": (f, d), f"{i}.up_proj": (f, d),
                   f"{i}.down_proj": (d, f)}
    return shapes


def _norm_names(arch: EngineArch) -> list[str]:
    n = arch.config.num_hidden_layers
    return [f"{i}.{k}" for i in range(n) for k in ("input", "post")] + ["final"]


def rom_map(arch: EngineArch) -> RomMap:
    P = arch.lanes
    mats, w, p = {}, 0, 0
    for name, (rows, cols) in _matrix_shapes(arch).items():
        groups = rows // P
        sbase = p
        p += groups * (cols // arch.block)
        mats[name] = MatrixPlace(rows, cols, w, sbase, p)
        p += groups
        w += groups * cols
    norms = {}
    for name in _norm_names(arch):
        norms[name] = NormPlace(p, p + arch.config.hidden_size // P)
        p += arch.config.hidden_size // P + 1
    return RomMap(mats, norms, w, p)


def _model_parts(qm: QuantModel) -> tuple[dict[str, QuantMatrix], dict[str, NormVector]]:
    mats = {"embed": qm.embed}
    if not qm.config.tie_word_embeddings:
        mats["lm_head"] = qm.lm_head
    norms = {}
    for i, layer in enumerate(qm.layers):
        mats |= {f"{i}.{m}": mat for m, mat in layer.items()}
        norms |= {f"{i}.input": qm.norms[i]["input"], f"{i}.post": qm.norms[i]["post"]}
    norms["final"] = qm.final_norm
    return mats, norms


def _lanes_to_bits(values: np.ndarray, width: int) -> np.ndarray:
    """values [words, P] -> bit matrix [words, P*width], lane p in bits p*width.."""
    v = values.astype(np.int64) & ((1 << width) - 1)
    bits = (v[:, :, None] >> np.arange(width)[None, None, :]) & 1
    return bits.reshape(values.shape[0], -1).astype(np.uint8)


def _bits_to_lanes(bits: np.ndarray, width: int, signed: bool) -> np.ndarray:
    b = bits.astype(np.int64).reshape(bits.shape[0], -1, width)
    v = (b << np.arange(width)[None, None, :]).sum(axis=2)
    if signed:
        v = np.where(v >= 1 << (width - 1), v - (1 << width), v)
    return v


def rom_words(arch: EngineArch, qm: QuantModel) -> tuple[np.ndarray, np.ndarray]:
    """(weight ROM bits [depth, P*bits], parameter ROM bits [depth, P*8])."""
    if (qm.bits, qm.block) != (arch.bits, arch.block) or qm.config != arch.config:
        raise InputError("the quantised model does not match the engine architecture")
    P, m = arch.lanes, rom_map(arch)
    mats, norms = _model_parts(qm)
    head = mats.get("lm_head", mats["embed"])
    if int(head.exp.max()) > LOGIT_HEADROOM:
        raise InputError(f"LM-head row exponent {int(head.exp.max())} exceeds the engine's "
                         f"logit headroom of {LOGIT_HEADROOM} bits")
    wrom = np.zeros((m.weight_depth, P), np.int64)
    prom = np.zeros((m.param_depth, P), np.int64)
    for name, place in m.matrices.items():
        mat, g = mats[name], place.rows // P
        nb = place.cols // arch.block
        # word (group, col) lane p = q[group*P + p, col]
        wrom[place.wbase:place.wbase + g * place.cols] = (
            mat.q.reshape(g, P, place.cols).transpose(0, 2, 1).reshape(-1, P))
        prom[place.sbase:place.sbase + g * nb] = (
            mat.scale.reshape(g, P, nb).transpose(0, 2, 1).reshape(-1, P))
        prom[place.ebase:place.ebase + g] = mat.exp.reshape(g, P)
    for name, place in m.norms.items():
        n = norms[name]
        prom[place.gbase:place.frac] = n.gi.reshape(-1, P)
        prom[place.frac, 0] = n.frac
    return _lanes_to_bits(wrom, arch.bits), _lanes_to_bits(prom, SCALE_BITS)


def quant_model_from_words(arch: EngineArch, wbits: np.ndarray, pbits: np.ndarray) -> QuantModel:
    """Inverse of rom_words: every integer recovered from the two ROMs' contents."""
    P, m = arch.lanes, rom_map(arch)
    w = _bits_to_lanes(wbits, arch.bits, signed=True)
    p_signed = _bits_to_lanes(pbits, SCALE_BITS, signed=True)
    p_unsigned = _bits_to_lanes(pbits, SCALE_BITS, signed=False)

    def matrix(place: MatrixPlace) -> QuantMatrix:
        g, nb = place.rows // P, place.cols // arch.block
        q = w[place.wbase:place.wbase + g * place.cols].reshape(g, place.cols, P)
        s = p_unsigned[place.sbase:place.sbase + g * nb].reshape(g, nb, P)
        e = p_signed[place.ebase:place.ebase + g].reshape(-1)
        return QuantMatrix(q.transpose(0, 2, 1).reshape(place.rows, place.cols).astype(np.int8),
                           s.transpose(0, 2, 1).reshape(place.rows, nb).astype(np.int32),
                           e.astype(np.int32), arch.bits, arch.block)

    def norm(place: NormPlace) -> NormVector:
        return NormVector(p_signed[place.gbase:place.frac].reshape(-1).astype(np.int32),
                          int(p_signed[place.frac, 0]))

    mats = {name: matrix(pl) for name, pl in m.matrices.items()}
    layer_names = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

    def by_hf_name(hf: str) -> QuantMatrix:
        if hf == "model.embed_tokens.weight":
            return mats["embed"]
        if hf == "lm_head.weight":
            return mats["lm_head"]
        parts = hf.split(".")            # model.layers.<i>.<group>.<m>.weight
        assert parts[4] in layer_names
        return mats[f"{parts[2]}.{parts[4]}"]

    def norm_by_key(key: str) -> NormVector:   # norm.<i>.input|post / norm.final
        return norm(m.norms[key.removeprefix("norm.")])

    return assemble_quant_model(arch.config, arch.bits, arch.block, by_hf_name, norm_by_key)
