"""What quantisation and fixed-point arithmetic cost, measured on held-out text."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from taalas_flow.model import reference as ref
from taalas_flow.model.corpus import PROMPTS, encode, heldout_tokens
from taalas_flow.model.golden import GoldenModel, QuantModel, quantise_model
from taalas_flow.model.loader import Checkpoint


@dataclass(frozen=True)
class QualityRow:
    variant: str
    bits: int | None
    rom_bits: int | None
    loss: float
    ppl: float


def golden_loss(qm: QuantModel, tokens: list[int]) -> float:
    """Cross-entropy of the integer model's logits (Q8 -> real) over context-length windows."""
    n = qm.config.max_position_embeddings
    g = GoldenModel(qm)
    losses = []
    for s in range(0, len(tokens) - n - 1, n):
        chunk = tokens[s:s + n + 1]
        g.reset()
        logits = np.stack([g.step(t) for t in chunk[:-1]]) / 2.0**8
        losses.append(ref.cross_entropy(logits, np.asarray(chunk[1:])))
    return float(np.mean(losses))


def quality_table(ckpt: Checkpoint, bits_list: tuple[int, ...], block: int, golden_bits: int,
                  n_sentences: int = 400, golden_tokens: int = 4096) -> list[QualityRow]:
    held = heldout_tokens(n_sentences)
    rows = []
    fp = ref.eval_loss(ckpt.config, ckpt.weights, held)
    rows.append(QualityRow("fp32", None, None, fp, math.exp(fp)))
    for b in bits_list:
        qm = quantise_model(ckpt, b, block)
        loss = ref.eval_loss(ckpt.config, qm.dequantised_weights(), held)
        rows.append(QualityRow(f"int{b} weights, fp32 math", b, qm.rom_bits(), loss,
                               math.exp(loss)))
    qm = quantise_model(ckpt, golden_bits, block)
    sub = held[:golden_tokens]
    gl = golden_loss(qm, sub)
    fp_sub = ref.eval_loss(ckpt.config, qm.dequantised_weights(), sub)
    rows.append(QualityRow(f"int{golden_bits} fp32 math (first {len(sub)} tokens)", golden_bits,
                           qm.rom_bits(), fp_sub, math.exp(fp_sub)))
    rows.append(QualityRow(f"int{golden_bits} golden fixed-point (first {len(sub)} tokens)",
                           golden_bits, qm.rom_bits(), gl, math.exp(gl)))
    return rows


@dataclass(frozen=True)
class Agreement:
    max_abs_logit_error: float
    mean_abs_logit_error: float
    logit_range: float
    greedy_match: int
    prompts: int
    samples: list[tuple[str, str, str]]  # prompt, golden continuation, fp32 continuation


def golden_vs_fp32(qm: QuantModel, n_new: int = 24, prompts: list[str] | None = None
                   ) -> Agreement:
    """Golden integer model vs fp32 math on the same dequantised weights: the fixed-point error
    alone (quantisation error is in quality_table)."""
    from taalas_flow.model.corpus import decode

    prompts = prompts or PROMPTS
    w = qm.dequantised_weights()
    cfg = qm.config
    g = GoldenModel(qm)
    errs, rng_max, match, samples = [], 0.0, 0, []
    for p in prompts:
        toks = encode(p)
        g.reset()
        gl = np.stack([g.step(t) for t in toks]) / 2.0**8
        rl = ref.forward(cfg, w, np.asarray(toks))
        errs.append(np.abs(gl - rl))
        rng_max = max(rng_max, float(np.abs(rl).max()))
        gout = g.generate(toks, n_new)
        rout = ref.greedy(cfg, w, toks, n_new)
        match += int(gout == rout)
        samples.append((p, decode(gout), decode(rout)))
    allerr = np.concatenate([e.ravel() for e in errs])
    return Agreement(float(allerr.max()), float(allerr.mean()), rng_max, match, len(prompts),
                     samples)
