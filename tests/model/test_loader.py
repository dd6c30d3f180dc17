"""Checkpoint loading: the built-in model and every bad-input path."""

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from taalas_flow.errors import InputError
from taalas_flow.model.loader import load_checkpoint
from taalas_flow.model.safetensors_io import read_safetensors
from taalas_flow.resources import models_dir

TINY = models_dir() / "tiny-llama"


def test_builtin_tiny_llama_loads() -> None:
    ck = load_checkpoint("tiny-llama")
    assert ck.config.parameter_count() == 98624
    assert 50_000 <= ck.config.parameter_count() <= 300_000
    assert ck.weights["model.embed_tokens.weight"].shape == (256, 64)


@pytest.fixture
def ckpt_dir(tmp_path: Path) -> Path:
    d = tmp_path / "ck"
    shutil.copytree(TINY, d)
    return d


def _rewrite(d: Path, mutate) -> None:
    w = read_safetensors(d / "model.safetensors")
    mutate(w)
    save_file(w, str(d / "model.safetensors"))


def test_pickled_bin_refused(tmp_path: Path) -> None:
    d = tmp_path / "pt"
    d.mkdir()
    shutil.copy(TINY / "config.json", d)
    (d / "pytorch_model.bin").write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(InputError, match="pickled PyTorch checkpoint; refused"):
        load_checkpoint(str(d))
    with pytest.raises(InputError, match="pickled"):
        load_checkpoint(str(d / "pytorch_model.bin"))


def test_pickle_renamed_to_safetensors_refused(ckpt_dir: Path) -> None:
    (ckpt_dir / "model.safetensors").write_bytes(pickle.dumps([1, 2, 3], protocol=4))
    with pytest.raises(InputError, match="pickled"):
        load_checkpoint(str(ckpt_dir))


def test_truncated_file(ckpt_dir: Path) -> None:
    blob = (ckpt_dir / "model.safetensors").read_bytes()
    (ckpt_dir / "model.safetensors").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(InputError, match="truncated"):
        load_checkpoint(str(ckpt_dir))


def test_garbage_header(ckpt_dir: Path) -> None:
    header_len = (16).to_bytes(8, "little")
    (ckpt_dir / "model.safetensors").write_bytes(header_len + b"not json at all!")
    with pytest.raises(InputError, match="corrupt safetensors header"):
        load_checkpoint(str(ckpt_dir))


def test_missing_tensor(ckpt_dir: Path) -> None:
    _rewrite(ckpt_dir, lambda w: w.pop("model.layers.1.mlp.up_proj.weight"))
    with pytest.raises(InputError, match="missing tensors model.layers.1.mlp.up_proj.weight"):
        load_checkpoint(str(ckpt_dir))


def test_wrong_shape(ckpt_dir: Path) -> None:
    def mutate(w):
        w["model.layers.0.self_attn.q_proj.weight"] = np.zeros((64, 32), np.float32)

    _rewrite(ckpt_dir, mutate)
    with pytest.raises(InputError, match=r"q_proj.weight has shape \(64, 32\), config.json "
                                         r"implies \(64, 64\)"):
        load_checkpoint(str(ckpt_dir))


def test_nan(ckpt_dir: Path) -> None:
    def mutate(w):
        w["model.norm.weight"][3] = np.nan

    _rewrite(ckpt_dir, mutate)
    with pytest.raises(InputError, match="model.norm.weight has 1 NaN/Inf"):
        load_checkpoint(str(ckpt_dir))


def test_unsupported_dtype(ckpt_dir: Path) -> None:
    def mutate(w):
        w["model.norm.weight"] = w["model.norm.weight"].astype(np.int8)

    _rewrite(ckpt_dir, mutate)
    with pytest.raises(InputError, match="unsupported dtype I8"):
        load_checkpoint(str(ckpt_dir))


def test_bf16_and_f16_load(ckpt_dir: Path) -> None:
    # Write the embedding as BF16 by hand (numpy has no bfloat16): top 16 bits of each f32.
    w = read_safetensors(ckpt_dir / "model.safetensors")
    emb = w.pop("model.embed_tokens.weight")
    w = {k: v.astype(np.float16) for k, v in w.items()}
    save_file(w, str(ckpt_dir / "model.safetensors"))
    bf = (emb.view(np.uint32) >> 16).astype("<u2").tobytes()
    header = json.dumps({"model.embed_tokens.weight": {
        "dtype": "BF16", "shape": list(emb.shape), "data_offsets": [0, len(bf)]}}).encode()
    (ckpt_dir / "embed.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + bf)
    ck = load_checkpoint(str(ckpt_dir))
    got = ck.weights["model.embed_tokens.weight"]
    assert np.allclose(got, emb, rtol=1 / 128, atol=1e-6)


def test_unknown_model_name() -> None:
    with pytest.raises(InputError, match="model 'no-such-model' not found") as e:
        load_checkpoint("no-such-model")
    assert "tiny-llama" in e.value.one_line()


def test_wrong_architecture(ckpt_dir: Path) -> None:
    cfg = json.loads((ckpt_dir / "config.json").read_text())
    cfg["model_type"] = "gpt2"
    (ckpt_dir / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(InputError, match="unsupported architecture"):
        load_checkpoint(str(ckpt_dir))
