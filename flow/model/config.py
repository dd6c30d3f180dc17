"""The Llama architecture description taalas-flow understands (a subset of HF `config.json`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from taalas_flow.errors import InputError


@dataclass(frozen=True)
class LlamaConfig:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    max_position_embeddings: int
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def kv_dim(self) -> int:
        return self.head_dim * self.num_key_value_heads

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        d, f, v, kv = self.hidden_size, self.intermediate_size, self.vocab_size, self.kv_dim
        shapes: dict[str, tuple[int, ...]] = {
            "model.embed_tokens.weight": (v, d),
            "model.norm.weight": (d,),
        }
        for i in range(self.num_hidden_layers):
            p = f"model.layers.{i}."
            shapes |= {
                p + "input_layernorm.weight": (d,),
                p + "post_attention_layernorm.weight": (d,),
                p + "self_attn.q_proj.weight": (d, d),
                p + "self_attn.k_proj.weight": (kv, d),
                p + "self_attn.v_proj.weight": (kv, d),
                p + "self_attn.o_proj.weight": (d, d),
                p + "mlp.gate_proj.weight": (f, d),
                p + "mlp.up_proj.weight": (f, d),
                p + "mlp.down_proj.weight": (d, f),
            }
        if not self.tie_word_embeddings:
            shapes["lm_head.weight"] = (v, d)
        return shapes

    def parameter_count(self) -> int:
        n = 0
        for shape in self.expected_shapes().values():
            k = 1
            for s in shape:
                k *= s
            n += k
        return n


_REQUIRED = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
             "num_attention_heads", "max_position_embeddings")


def load_config(path: Path) -> LlamaConfig:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"model config not found: {path}",
                         "a checkpoint directory needs config.json + model.safetensors") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path} must hold a JSON object")
    arch = raw.get("architectures") or ["LlamaForCausalLM"]
    if raw.get("model_type", "llama") != "llama" or "LlamaForCausalLM" not in arch:
        raise InputError(
            f"{path}: unsupported architecture {raw.get('model_type')}/{arch}",
            "taalas-flow compiles Llama-architecture decoders (LlamaForCausalLM)")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise InputError(f"{path}: missing keys {', '.join(missing)}")
    try:
        cfg = LlamaConfig(
            vocab_size=int(raw["vocab_size"]),
            hidden_size=int(raw["hidden_size"]),
            intermediate_size=int(raw["intermediate_size"]),
            num_hidden_layers=int(raw["num_hidden_layers"]),
            num_attention_heads=int(raw["num_attention_heads"]),
            num_key_value_heads=int(raw.get("num_key_value_heads") or raw["num_attention_heads"]),
            max_position_embeddings=int(raw["max_position_embeddings"]),
            rms_norm_eps=float(raw.get("rms_norm_eps", 1e-5)),
            rope_theta=float(raw.get("rope_theta", 10000.0)),
            tie_word_embeddings=bool(raw.get("tie_word_embeddings", False)),
        )
    except (TypeError, ValueError) as e:
        raise InputError(f"{path}: bad value: {e}") from None
    if raw.get("rope_scaling"):
        raise InputError(f"{path}: rope_scaling is not supported by the hardware rotary unit")
    if cfg.hidden_size % cfg.num_attention_heads or cfg.head_dim % 2:
        raise InputError(f"{path}: hidden_size {cfg.hidden_size} must split into an even "
                         f"head_dim over {cfg.num_attention_heads} heads")
    if cfg.num_attention_heads % cfg.num_key_value_heads:
        raise InputError(f"{path}: num_attention_heads must be a multiple of "
                         "num_key_value_heads")
    return cfg
