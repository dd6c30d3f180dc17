"""`taalas-flow run` as a user runs it."""

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file


def test_run_tiny_llama(cli, tmp_path: Path) -> None:
    r = cli("run", "--model", "tiny-llama", "--pdk", "sky130", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr + r.stdout
    run_dir = tmp_path / "runs" / "tiny-llama-sky130-latest"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert set(manifest["inputs_sha256"]["model"]) >= {"model.safetensors", "config.json"}
    assert all(len(h) == 64 for h in manifest["inputs_sha256"]["pdk"].values())
    assert manifest["tools"]["librelane"] == "3.0.17"
    metrics = json.loads((run_dir / "final" / "metrics.json").read_text())
    assert metrics["taalas__model__parameters"] == 98624
    assert metrics["taalas__rom__bits"] < metrics["taalas__rom__capacity_bits"]
    assert metrics["taalas__golden__greedy_match_rate"] >= 0.8
    # The mask-ROM array of the weights: read back exactly, DRC-clean, and different from the
    # second weight set (tiny-llama-b) on via3 only.
    assert metrics["taalas__rom__readback_ok"] == 1
    assert metrics["taalas__drc__rom_tile_feol__count"] == 0
    assert metrics["taalas__drc__rom_array_beol__count"] == 0
    assert metrics["taalas__xor__non_personalisation_layers"] == 0
    assert metrics["taalas__xor__personalisation_diff_count"] > 0
    assert (run_dir / "final" / "gds" / "rom_array.gds").is_file()
    verilog = next(run_dir.glob("*-taalas-romarray/rom_array.v")).read_text()
    assert "module rom_array" in verilog and "mem[843] = 512'h" in verilog
    # Honest about what does not exist yet.
    assert "not implemented yet" in r.stdout


def test_run_model_too_large_for_die(cli, tmp_path: Path) -> None:
    d = tmp_path / "big"
    d.mkdir()
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 256,
           "hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 2,
           "num_attention_heads": 4, "max_position_embeddings": 64,
           "tie_word_embeddings": True}
    (d / "config.json").write_text(json.dumps(cfg))
    rng = np.random.default_rng(0)
    shapes = {"model.embed_tokens.weight": (256, 256), "model.norm.weight": (256,)}
    for i in range(2):
        p = f"model.layers.{i}."
        shapes |= {p + "input_layernorm.weight": (256,), p + "post_attention_layernorm.weight":
                   (256,)}
        for m in ("q", "k", "v", "o"):
            shapes[p + f"self_attn.{m}_proj.weight"] = (256, 256)
        shapes |= {p + "mlp.gate_proj.weight": (512, 256), p + "mlp.up_proj.weight": (512, 256),
                   p + "mlp.down_proj.weight": (256, 512)}
    save_file({k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()},
              str(d / "model.safetensors"))
    r = cli("run", "--model", str(d), "--bits", "6")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "ROM bits but the caravel_user_area die" in r.stderr
    assert "holds 1,541,759" in r.stderr
    assert not (tmp_path / "runs").exists()  # nothing half-written


def test_run_pickled_checkpoint_refused(cli, tmp_path: Path) -> None:
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x02}q\x00.")
    r = cli("run", "--model", str(tmp_path / "pytorch_model.bin"))
    assert r.returncode == 2
    assert "refused because unpickling runs arbitrary code" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_missing_tool_stops_with_stage_and_resume_hint(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty_path"
    empty.mkdir()
    r = cli("run", "--model", "tiny-llama", env={"PATH": str(empty)})
    assert r.returncode == 4, r.stdout[-2000:] + r.stderr
    err = r.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in r.stderr + r.stdout
    assert "needs `klayout`" in err and "romarray" in err and "resume with --from" in err
    run_dir = tmp_path / "runs" / "tiny-llama-sky130-latest"
    for done in ("1-taalas-manifest", "2-taalas-loadmodel", "3-taalas-quantise",
                 "4-taalas-goldencheck"):
        assert (run_dir / done / "state_out.json").is_file()
