"""Reproducible CPU training of tiny-llama (needs PyTorch: `pip install torch`).

    python -m taalas_flow.model.train --out models/tiny-llama

Writes config.json, model.safetensors and training.json (seed, steps, wall time, measured
train/held-out loss). The flow itself never trains: the result is committed under models/.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from taalas_flow.model.config import LlamaConfig
from taalas_flow.model.corpus import TRAIN_SEED, encode, generate_text, heldout_tokens

TINY_LLAMA = LlamaConfig(
    vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
    num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=64,
    rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True,
)


def build_torch_model(cfg: LlamaConfig):
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            d, f, kv = cfg.hidden_size, cfg.intermediate_size, cfg.kv_dim
            self.input_layernorm = nn.Parameter(torch.ones(d))
            self.post_attention_layernorm = nn.Parameter(torch.ones(d))
            self.q = nn.Linear(d, d, bias=False)
            self.k = nn.Linear(d, kv, bias=False)
            self.v = nn.Linear(d, kv, bias=False)
            self.o = nn.Linear(d, d, bias=False)
            self.gate = nn.Linear(d, f, bias=False)
            self.up = nn.Linear(d, f, bias=False)
            self.down = nn.Linear(f, d, bias=False)

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
            nn.init.normal_(self.embed.weight, std=0.05)
            self.layers = nn.ModuleList(Block() for _ in range(cfg.num_hidden_layers))
            self.norm = nn.Parameter(torch.ones(cfg.hidden_size))
            hd = cfg.head_dim
            inv = cfg.rope_theta ** (-torch.arange(hd // 2, dtype=torch.float64) * 2 / hd)
            ang = torch.arange(cfg.max_position_embeddings, dtype=torch.float64)[:, None] * inv
            self.register_buffer("cos", torch.cos(ang).float())
            self.register_buffer("sin", torch.sin(ang).float())

        @staticmethod
        def rms(x, w):
            return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + cfg.rms_norm_eps) * w

        def rope(self, x, t):
            half = x.shape[-1] // 2
            a, b = x[..., :half], x[..., half:]
            c, s = self.cos[:t][None, :, None, :], self.sin[:t][None, :, None, :]
            return torch.cat([a * c - b * s, b * c + a * s], -1)

        def forward(self, idx):
            bsz, t = idx.shape
            nh, nkv, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
            x = self.embed(idx)
            for blk in self.layers:
                h = self.rms(x, blk.input_layernorm)
                q = self.rope(blk.q(h).view(bsz, t, nh, hd), t).transpose(1, 2)
                k = self.rope(blk.k(h).view(bsz, t, nkv, hd), t).transpose(1, 2)
                v = blk.v(h).view(bsz, t, nkv, hd).transpose(1, 2)
                k = k.repeat_interleave(nh // nkv, 1)
                v = v.repeat_interleave(nh // nkv, 1)
                o = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
                x = x + blk.o(o.transpose(1, 2).reshape(bsz, t, nh * hd))
                h = self.rms(x, blk.post_attention_layernorm)
                x = x + blk.down(torch.nn.functional.silu(blk.gate(h)) * blk.up(h))
            return self.rms(x, self.norm) @ self.embed.weight.T

    return Model()


def hf_state_dict(model, cfg: LlamaConfig) -> dict[str, np.ndarray]:
    out = {"model.embed_tokens.weight": model.embed.weight, "model.norm.weight": model.norm}
    for i, blk in enumerate(model.layers):
        p = f"model.layers.{i}."
        out |= {
            p + "input_layernorm.weight": blk.input_layernorm,
            p + "post_attention_layernorm.weight": blk.post_attention_layernorm,
            p + "self_attn.q_proj.weight": blk.q.weight,
            p + "self_attn.k_proj.weight": blk.k.weight,
            p + "self_attn.v_proj.weight": blk.v.weight,
            p + "self_attn.o_proj.weight": blk.o.weight,
            p + "mlp.gate_proj.weight": blk.gate.weight, p + "mlp.up_proj.weight": blk.up.weight,
            p + "mlp.down_proj.weight": blk.down.weight,
        }
    return {k: v.detach().float().numpy().copy() for k, v in out.items()}


def train(out: Path, steps: int, seed: int, batch: int, lr: float) -> dict:
    import torch
    from safetensors.numpy import save_file

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    cfg = TINY_LLAMA
    data = torch.tensor(encode(generate_text(60000, TRAIN_SEED)), dtype=torch.long)
    model = build_torch_model(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.95))
    n = cfg.max_position_embeddings
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    log = []
    for step in range(steps):
        cur = lr * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / steps))
        for g in opt.param_groups:
            g["lr"] = cur
        ix = torch.randint(0, len(data) - n - 1, (batch,), generator=gen)
        xb = torch.stack([data[i:i + n] for i in ix])
        yb = torch.stack([data[i + 1:i + n + 1] for i in ix])
        loss = torch.nn.functional.cross_entropy(model(xb).reshape(-1, cfg.vocab_size),
                                                 yb.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 250 == 0 or step == steps - 1:
            log.append({"step": step, "train_loss": round(float(loss), 4)})
            print(f"step {step} loss {float(loss):.4f} ({time.time() - t0:.0f} s)", flush=True)
    wall = time.time() - t0
    weights = hf_state_dict(model, cfg)
    out.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(out / "model.safetensors"))
    hf_cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", **cfg.to_dict(),
              "torch_dtype": "float32", "tokenizer": "bytes (token id = UTF-8 byte)"}
    (out / "config.json").write_text(json.dumps(hf_cfg, indent=2) + "\n")

    from taalas_flow.model.reference import eval_loss

    held = eval_loss(cfg, weights, heldout_tokens())
    record = {"seed": seed, "steps": steps, "batch": batch, "lr": lr,
              "parameters": cfg.parameter_count(), "train_wall_s": round(wall, 1),
              "torch": torch.__version__, "log": log,
              "heldout_loss_nats": round(held, 4), "heldout_ppl": round(math.exp(held), 3)}
    (out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("models/tiny-llama"))
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    a = ap.parse_args()
    rec = train(a.out, a.steps, a.seed, a.batch, a.lr)
    print(json.dumps({k: v for k, v in rec.items() if k != "log"}, indent=2))


if __name__ == "__main__":
    main()
