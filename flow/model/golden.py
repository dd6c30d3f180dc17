"""The golden model: a NumPy integer implementation of exactly what the hardware computes
(arithmetic rules in fixedpoint.py). RTL simulation, gate-level simulation and layout readback
must match it bit for bit; its per-layer trace is what they are compared against."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from taalas_flow.model import fixedpoint as fx
from taalas_flow.model.config import LlamaConfig
from taalas_flow.model.loader import Checkpoint
from taalas_flow.model.quantise import (
    NormVector,
    QuantMatrix,
    quantise_matrix,
    quantise_norm,
)

LAYER_MATRICES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _hf_name(layer: int, m: str) -> str:
    group = "self_attn" if m.endswith(("q_proj", "k_proj", "v_proj", "o_proj")) else "mlp"
    return f"model.layers.{layer}.{group}.{m}.weight"


@dataclass(frozen=True)
class QuantModel:
    """Every integer the chip's ROMs hold for one model."""

    config: LlamaConfig
    bits: int
    block: int
    embed: QuantMatrix                       # also the LM head when tied
    lm_head: QuantMatrix
    layers: list[dict[str, QuantMatrix]]
    norms: list[dict[str, NormVector]]
    final_norm: NormVector

    def matrices(self) -> dict[str, QuantMatrix]:
        out = {"model.embed_tokens.weight": self.embed}
        for i, layer in enumerate(self.layers):
            for m, qm in layer.items():
                out[_hf_name(i, m)] = qm
        if not self.config.tie_word_embeddings:
            out["lm_head.weight"] = self.lm_head
        return out

    def rom_bits(self) -> int:
        norm_bits = 8 * self.config.hidden_size * (2 * self.config.num_hidden_layers + 1)
        return sum(m.rom_bits() for m in self.matrices().values()) + norm_bits

    def same_integers(self, other: QuantModel) -> bool:
        """Every integer the ROMs hold (weights, scales, exponents, norm gains) is equal."""
        mats = zip(self.matrices().values(), other.matrices().values(), strict=True)
        norms_a = [n for layer in self.norms for n in layer.values()] + [self.final_norm]
        norms_b = [n for layer in other.norms for n in layer.values()] + [other.final_norm]
        return all(np.array_equal(a.q, b.q) and np.array_equal(a.scale, b.scale)
                   and np.array_equal(a.exp, b.exp) for a, b in mats) and all(
            np.array_equal(a.gi, b.gi) and a.frac == b.frac
            for a, b in zip(norms_a, norms_b, strict=True))

    def dequantised_weights(self) -> dict[str, np.ndarray]:
        w = {k: m.dequantise() for k, m in self.matrices().items()}
        for i, n in enumerate(self.norms):
            w[f"model.layers.{i}.input_layernorm.weight"] = n["input"].dequantise()
            w[f"model.layers.{i}.post_attention_layernorm.weight"] = n["post"].dequantise()
        w["model.norm.weight"] = self.final_norm.dequantise()
        return w


def assemble_quant_model(cfg: LlamaConfig, bits: int, block: int,
                         matrix: Callable[[str], QuantMatrix],
                         norm: Callable[[str], NormVector]) -> QuantModel:
    """Build a QuantModel from parts looked up by name (HF tensor names for matrices,
    `norm.<i>.input|post` / `norm.final` for gains): the one place that knows the structure,
    shared by the ROM-image file reader and the GDS readback."""
    embed = matrix("model.embed_tokens.weight")
    layers = [{m: matrix(_hf_name(i, m)) for m in LAYER_MATRICES}
              for i in range(cfg.num_hidden_layers)]
    norms = [{"input": norm(f"norm.{i}.input"), "post": norm(f"norm.{i}.post")}
             for i in range(cfg.num_hidden_layers)]
    head = embed if cfg.tie_word_embeddings else matrix("lm_head.weight")
    return QuantModel(cfg, bits, block, embed, head, layers, norms, norm("norm.final"))


def quantise_model(ckpt: Checkpoint, bits: int, block: int = 32) -> QuantModel:
    cfg, w = ckpt.config, ckpt.weights
    embed = quantise_matrix(w["model.embed_tokens.weight"], bits, block)
    head = embed if cfg.tie_word_embeddings else quantise_matrix(w["lm_head.weight"], bits, block)
    layers, norms = [], []
    for i in range(cfg.num_hidden_layers):
        layers.append({m: quantise_matrix(w[_hf_name(i, m)], bits, block) for m in LAYER_MATRICES})
        norms.append({
            "input": quantise_norm(w[f"model.layers.{i}.input_layernorm.weight"]),
            "post": quantise_norm(w[f"model.layers.{i}.post_attention_layernorm.weight"]),
        })
    return QuantModel(cfg, bits, block, embed, head, layers, norms,
                      quantise_norm(w["model.norm.weight"]))


def linear(qm: QuantMatrix, x: np.ndarray) -> np.ndarray:
    """Exact integer accumulation; returns the unshifted accumulator per output row."""
    rows, cols = qm.shape
    partial = (qm.q.astype(np.int64).reshape(rows, cols // qm.block, qm.block)
               * x.astype(np.int64).reshape(1, cols // qm.block, qm.block)).sum(axis=2)
    return (partial * qm.scale.astype(np.int64)).sum(axis=1)


def linear_q8(qm: QuantMatrix, x: np.ndarray) -> np.ndarray:
    return fx.sat16(fx.round_shift(linear(qm, x), -qm.exp.astype(np.int64)))


def rms_norm_q8(x: np.ndarray, g: NormVector, k: fx.ArchConstants) -> np.ndarray:
    ss = int((x.astype(np.int64) ** 2).sum())
    ms = ((ss * k.rms_inv_d) >> 16) + k.eps_q16
    idx, t = fx.rsqrt_normalise(ms)
    lut = int(fx.RSQRT_LUT[idx])
    shift = fx.RSQRT_L - fx.ACT_FRAC + t // 2 + fx.RSQRT_M // 2 + g.frac
    return fx.sat16(fx.round_shift(x.astype(np.int64) * lut * g.gi, shift))


def rope_q8(v: np.ndarray, pos: int, k: fx.ArchConstants) -> np.ndarray:
    """v: [heads, hd] Q8."""
    c, s = k.rope_tables
    half = v.shape[-1] // 2
    a, b = v[:, :half], v[:, half:]
    cc, ss = c[pos][None, :], s[pos][None, :]
    ra = fx.round_shift(a * cc - b * ss, fx.ROPE_FRAC)
    rb = fx.round_shift(b * cc + a * ss, fx.ROPE_FRAC)
    return fx.sat16(np.concatenate([ra, rb], axis=-1))


def attend_q8(q: np.ndarray, keys: np.ndarray, vals: np.ndarray, k: fx.ArchConstants,
              trace: dict | None = None) -> np.ndarray:
    """q: [hd]; keys, vals: [T, hd] (T = positions so far, causal by construction)."""
    scores = fx.sat16(fx.round_shift((keys * q[None, :]).sum(axis=1) * k.att_scale,
                                     fx.ACT_FRAC + fx.ATT_SCALE_FRAC))
    diff = scores.max() - scores
    e = fx.EXP_LUT[np.minimum(diff >> fx.EXP_SHIFT, fx.EXP_N - 1)]
    total = int(e.sum())
    idx, p = fx.recip_normalise(total)
    num = (e[:, None] * vals).sum(axis=0)
    if trace is not None:
        trace.setdefault("scores", []).append(scores)
    return fx.sat16(fx.round_shift(num * int(fx.RECIP_LUT[idx]), fx.RECIP_L + p))


@dataclass
class GoldenModel:
    """Token-at-a-time integer inference with a KV cache, as the chip runs it."""

    qm: QuantModel
    k_cache: list[np.ndarray] = field(default_factory=list)
    v_cache: list[np.ndarray] = field(default_factory=list)
    pos: int = 0

    def __post_init__(self) -> None:
        c = self.qm.config
        self.arch = fx.ArchConstants(c.hidden_size, c.head_dim, c.max_position_embeddings,
                                     c.rms_norm_eps, c.rope_theta)
        self.reset()

    def reset(self) -> None:
        c = self.qm.config
        shape = (c.max_position_embeddings, c.num_key_value_heads, c.head_dim)
        self.k_cache = [np.zeros(shape, np.int64) for _ in range(c.num_hidden_layers)]
        self.v_cache = [np.zeros(shape, np.int64) for _ in range(c.num_hidden_layers)]
        self.pos = 0

    def embed(self, token: int) -> np.ndarray:
        e = self.qm.embed
        row = e.q[token].astype(np.int64) * np.repeat(e.scale[token], e.block)
        return fx.sat16(fx.round_shift(row, -(int(e.exp[token]) + fx.ACT_FRAC)))

    def step(self, token: int, trace: dict | None = None) -> np.ndarray:
        """Feed one token at the current position; return int logits [vocab]."""
        c, k = self.qm.config, self.arch
        if self.pos >= c.max_position_embeddings:
            raise ValueError(f"context of {c.max_position_embeddings} tokens is full")
        nh, nkv, hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        x = self.embed(token)
        if trace is not None:
            trace["embed"] = x
        for i, (layer, norms) in enumerate(zip(self.qm.layers, self.qm.norms, strict=True)):
            h = rms_norm_q8(x, norms["input"], k)
            q = rope_q8(linear_q8(layer["q_proj"], h).reshape(nh, hd), self.pos, k)
            kk = rope_q8(linear_q8(layer["k_proj"], h).reshape(nkv, hd), self.pos, k)
            v = linear_q8(layer["v_proj"], h).reshape(nkv, hd)
            self.k_cache[i][self.pos] = kk
            self.v_cache[i][self.pos] = v
            t = self.pos + 1
            rep = nh // nkv
            att = np.concatenate([
                attend_q8(q[j], self.k_cache[i][:t, j // rep], self.v_cache[i][:t, j // rep], k)
                for j in range(nh)
            ])
            x = fx.sat16(x + linear_q8(layer["o_proj"], att))
            h2 = rms_norm_q8(x, norms["post"], k)
            gate = linear_q8(layer["gate_proj"], h2)
            up = linear_q8(layer["up_proj"], h2)
            hid = fx.sat16(fx.round_shift(fx.silu_q8(gate) * up, fx.ACT_FRAC))
            x = fx.sat16(x + linear_q8(layer["down_proj"], hid))
            if trace is not None:
                trace[f"layer{i}"] = {"norm1": h, "q": q, "k": kk, "v": v, "att": att,
                                      "norm2": h2, "gate": gate, "up": up, "hidden": hid,
                                      "out": x}
        xf = rms_norm_q8(x, self.qm.final_norm, k)
        head = self.qm.lm_head
        logits = fx.round_shift(linear(head, xf), -head.exp.astype(np.int64))
        if trace is not None:
            trace["final_norm"] = xf
            trace["logits"] = logits
        self.pos += 1
        return logits

    def generate(self, prompt: list[int], n_new: int) -> list[int]:
        """Greedy continuation (argmax, lowest index on ties) from a fresh state."""
        self.reset()
        logits = None
        for t in prompt:
            logits = self.step(t)
        out = []
        for _ in range(n_new):
            if self.pos >= self.qm.config.max_position_embeddings or logits is None:
                break
            nxt = int(np.argmax(logits))
            out.append(nxt)
            if len(out) == n_new or self.pos >= self.qm.config.max_position_embeddings:
                break
            logits = self.step(nxt)
        return out
