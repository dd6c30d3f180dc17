"""Flow runtime by stage, and how it grows with model size.

    python bench/flow_runtime.py [--pdk-root DIR] [--sizes 50k,tiny,200k,300k,1M]

Runs `taalas-flow run` (as a user does) on tiny-llama and on random-weight checkpoints of the
same family at other sizes (random weights cost the flow the same as trained ones: every stage
depends on shapes and bit counts, not on values). Each synthetic model gets a `-b` twin with
other weights so the personalisation XOR is exercised too. Writes
bench/results/flow_runtime.json with wall time, per-stage seconds and ROM bits per size; a model
that does not fit the die is recorded with the flow's refusal message.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from taalas_flow.model.config import LlamaConfig
from taalas_flow.report.collect import collect

SIZES = {   # name: (hidden, ffn, layers, heads)
    "50k": (32, 64, 4, 2),
    "200k": (96, 192, 2, 6),
    "300k": (128, 192, 2, 8),
    "1M": (192, 512, 3, 12),
}


def write_model(d: Path, hidden: int, ffn: int, layers: int, heads: int, seed: int) -> int:
    d.mkdir(parents=True, exist_ok=True)
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 256,
           "hidden_size": hidden, "intermediate_size": ffn, "num_hidden_layers": layers,
           "num_attention_heads": heads, "num_key_value_heads": heads,
           "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
           "tie_word_embeddings": True}
    (d / "config.json").write_text(json.dumps(cfg, indent=2))
    c = LlamaConfig(**{k: v for k, v in cfg.items() if k not in ("architectures", "model_type")})
    rng = np.random.default_rng(seed)
    tensors = {}
    for name, shape in c.expected_shapes().items():
        if name.endswith("norm.weight") or "layernorm" in name:
            tensors[name] = (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            tensors[name] = (rng.standard_normal(shape) / np.sqrt(shape[-1])).astype(np.float32)
    save_file(tensors, str(d / "model.safetensors"))
    return c.parameter_count()


def run_one(model: str, work: Path, pdk_root: Path) -> dict:
    env = dict(os.environ, PDK_ROOT=str(pdk_root), COLUMNS="200")
    exe = Path(sys.executable).parent / "taalas-flow"
    t0 = time.perf_counter()
    r = subprocess.run([str(exe), "run", "--model", model, "--runs", str(work), "--tag", "bench"],
                       capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    out = {"exit_code": r.returncode, "wall_s": round(wall, 1)}
    runs = sorted((work / "runs").glob("*-bench")) if (work / "runs").is_dir() else []
    if r.returncode != 0:
        out["error"] = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.stdout[-300:]
        return out
    data = collect(runs[-1])
    out["run_dir"] = str(runs[-1])
    out["stages_s"] = {name: round(s, 2) for name, s in data.stages}
    out["rom_bits"] = data.metrics.get("taalas__rom__bits")
    out["engine_cycles_per_token_first"] = data.metrics.get(
        "taalas__engine__cycles_per_token_first")
    out["parameters"] = data.metrics.get("taalas__model__parameters")
    return out


def respin_one(base: Path, work: Path, pdk_root: Path) -> dict:
    """Re-spin the tiny-llama run with tiny-llama-b's weights: only via3 is regenerated."""
    env = dict(os.environ, PDK_ROOT=str(pdk_root), COLUMNS="200")
    exe = Path(sys.executable).parent / "taalas-flow"
    t0 = time.perf_counter()
    r = subprocess.run([str(exe), "respin", "--base", str(base), "--model", "tiny-llama-b",
                        "--runs", str(work)], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    out = {"exit_code": r.returncode, "wall_s_incl_startup": round(wall, 2)}
    found = sorted((work / "runs").glob("*-respin-*/respin.json"))
    if found:
        out.update(json.loads(found[-1].read_text()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdk-root", type=Path, default=None)
    ap.add_argument("--sizes", default="50k,tiny,200k,300k,1M")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).parent / "results" / "flow_runtime.json")
    a = ap.parse_args()
    pdk_root = a.pdk_root or Path(os.environ.get("PDK_ROOT", Path(__file__).parents[2] /
                                                 "shared" / "pdk"))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in a.sizes.split(","):
            work = Path(tmp) / size
            if size == "tiny":
                model = "tiny-llama"
            else:
                model_dir = Path(tmp) / "models" / f"rand-{size}"
                write_model(model_dir, *SIZES[size], seed=0)
                write_model(Path(f"{model_dir}-b"), *SIZES[size], seed=1)
                model = str(model_dir)
            print(f"{size}: running", flush=True)
            results[size] = run_one(model, work, pdk_root)
            print(f"{size}: {results[size].get('wall_s')} s, exit {results[size]['exit_code']}",
                  flush=True)
            if size == "tiny" and results[size]["exit_code"] == 0:
                results["tiny_respin"] = respin_one(Path(results[size]["run_dir"]), work,
                                                    pdk_root)
    doc = {"machine": platform.node(), "cpu_count": os.cpu_count(), "runs": results}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
