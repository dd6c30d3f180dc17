"""Checkpoint loading: `--model tiny-llama` (shipped in models/) or a HF-style Llama directory.

Every way a checkpoint can be wrong ends here as one InputError naming the file and the fix:
pickled formats, missing or extra tensors, wrong shapes, NaN/Inf.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taalas_flow.errors import InputError
from taalas_flow.model.config import LlamaConfig, load_config
from taalas_flow.model.safetensors_io import read_safetensors
from taalas_flow.resources import models_dir

PICKLED_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


@dataclass(frozen=True)
class Checkpoint:
    name: str
    directory: Path
    config: LlamaConfig
    weights: dict[str, np.ndarray]

    @property
    def files(self) -> list[Path]:
        return sorted(p for p in self.directory.iterdir() if p.is_file())


def builtin_models() -> list[str]:
    return sorted(p.name for p in models_dir().iterdir() if (p / "config.json").is_file())


def resolve_model_dir(model: str) -> Path:
    builtin = models_dir() / model
    if "/" not in model and (builtin / "config.json").is_file():
        return builtin
    path = Path(model).expanduser()
    if path.is_file():
        if path.suffix in PICKLED_SUFFIXES:
            raise _pickled(path)
        if path.suffix == ".safetensors":
            path = path.parent
    if not path.is_dir():
        raise InputError(
            f"model '{model}' not found",
            f"use a built-in model ({', '.join(builtin_models())}) or a directory with "
            "config.json + model.safetensors")
    return path


def _pickled(path: Path) -> InputError:
    return InputError(
        f"{path} is a pickled PyTorch checkpoint; refused because unpickling runs arbitrary code",
        "convert it to model.safetensors (safetensors.torch.save_file) in a trusted environment")


def load_checkpoint(model: str) -> Checkpoint:
    directory = resolve_model_dir(model)
    st_files = sorted(directory.glob("*.safetensors"))
    if not st_files:
        pickled = sorted(p for p in directory.iterdir() if p.suffix in PICKLED_SUFFIXES)
        if pickled:
            raise _pickled(pickled[0])
        raise InputError(f"no model.safetensors in {directory}")
    config = load_config(directory / "config.json")
    weights: dict[str, np.ndarray] = {}
    for f in st_files:
        weights |= read_safetensors(f)
    validate_weights(config, weights, directory)
    return Checkpoint(directory.name, directory, config, weights)


def validate_weights(config: LlamaConfig, weights: dict[str, np.ndarray], where: Path) -> None:
    expected = config.expected_shapes()
    if config.tie_word_embeddings:
        weights.pop("lm_head.weight", None)
    missing = [k for k in expected if k not in weights]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise InputError(f"{where}: missing tensors {', '.join(missing[:3])}{more}")
    ignorable = ("rotary_emb.inv_freq",)
    extra = [k for k in weights if k not in expected and not k.endswith(ignorable)]
    if extra:
        raise InputError(f"{where}: unexpected tensors {', '.join(sorted(extra)[:3])}",
                         "is config.json the one that belongs to these weights?")
    for name, shape in expected.items():
        if tuple(weights[name].shape) != shape:
            raise InputError(f"{where}: tensor {name} has shape {tuple(weights[name].shape)}, "
                             f"config.json implies {shape}")
        if not np.isfinite(weights[name]).all():
            bad = int((~np.isfinite(weights[name])).sum())
            raise InputError(f"{where}: tensor {name} has {bad} NaN/Inf values")
