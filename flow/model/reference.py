"""fp32 Llama forward pass in NumPy: the numerical reference the golden model is compared with.

HF conventions: RMSNorm with weight, rotate-half rotary embedding, SwiGLU MLP, causal attention
with grouped KV heads.
"""

from __future__ import annotations

import numpy as np

from taalas_flow.model.config import LlamaConfig


def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_tables(cfg: LlamaConfig, n: int) -> tuple[np.ndarray, np.ndarray]:
    half = cfg.head_dim // 2
    inv = cfg.rope_theta ** (-np.arange(half, dtype=np.float64) * 2 / cfg.head_dim)
    ang = np.arange(n, dtype=np.float64)[:, None] * inv[None, :]
    return np.cos(ang), np.sin(ang)


def apply_rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """x: [T, heads, hd]; cos/sin: [T, hd/2]."""
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    c, s = cos[:, None, :], sin[:, None, :]
    return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def forward(cfg: LlamaConfig, w: dict[str, np.ndarray], tokens: np.ndarray) -> np.ndarray:
    """Logits [T, vocab] for a token sequence, in float64 (weights as given)."""
    t = len(tokens)
    hd, nh, nkv = cfg.head_dim, cfg.num_attention_heads, cfg.num_key_value_heads
    x = w["model.embed_tokens.weight"][tokens].astype(np.float64)
    cos, sin = rope_tables(cfg, t)
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], cfg.rms_norm_eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(t, nh, hd)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(t, nkv, hd)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(t, nkv, hd)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        rep = nh // nkv
        k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
        att = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        o = np.einsum("hts,shd->thd", att, v).reshape(t, nh * hd)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], cfg.rms_norm_eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return x @ head.T


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return float(-logp[np.arange(len(targets)), targets].mean())


def eval_loss(cfg: LlamaConfig, w: dict[str, np.ndarray], tokens: list[int],
              window: int | None = None) -> float:
    """Mean next-token cross-entropy (nats) over non-overlapping windows of the context length."""
    n = window or cfg.max_position_embeddings
    arr = np.asarray(tokens)
    losses = []
    for s in range(0, len(arr) - n - 1, n):
        chunk = arr[s:s + n + 1]
        losses.append(cross_entropy(forward(cfg, w, chunk[:-1]), chunk[1:]))
    return float(np.mean(losses))


def greedy(cfg: LlamaConfig, w: dict[str, np.ndarray], prompt: list[int], n_new: int) -> list[int]:
    toks = list(prompt)
    for _ in range(n_new):
        if len(toks) >= cfg.max_position_embeddings:
            break
        toks.append(int(np.argmax(forward(cfg, w, np.asarray(toks))[-1])))
    return toks[len(prompt):]
