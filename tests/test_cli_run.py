"""`taalas-flow run` as a user runs it."""

import json
import re
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.liberty import PdkLiberty


def test_run_tiny_llama(tiny_run, pdk_root: Path) -> None:
    cwd, r = tiny_run
    assert r.returncode == 0, r.stderr + r.stdout
    run_dir = cwd / "runs" / "tiny-llama-sky130-latest"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert set(manifest["inputs_sha256"]["model"]) >= {"model.safetensors", "config.json"}
    assert all(len(h) == 64 for h in manifest["inputs_sha256"]["pdk"].values())
    assert manifest["tools"]["librelane"] == "3.0.17"
    metrics = json.loads((run_dir / "final" / "metrics.json").read_text())
    assert metrics["taalas__model__parameters"] == 98624
    assert metrics["taalas__rom__bits"] < metrics["taalas__rom__capacity_bits"]
    assert metrics["taalas__golden__greedy_match_rate"] >= 0.8
    # The engine's mask-ROM macros: read back exactly, DRC-clean, and different from the
    # second weight set (tiny-llama-b) on via3 only.
    assert metrics["taalas__rom__readback_ok"] == 1
    assert metrics["taalas__drc__rom_tile_feol__count"] == 0
    assert metrics["taalas__drc__rom_array_beol__count"] == 0
    assert metrics["taalas__lvs__rom_tile_clean"] == 1
    # LVS of a slice of each ROM, a whole macro as tall as its bank (768 and 80 rows) and
    # 16 columns wide: every bitcell plus the periphery's transistors
    macros = json.loads(next(run_dir.glob("*-taalas-romarray/rom_macros.json")).read_text())
    for kind in ("wrom", "prom"):
        rows = macros["macros"][kind]["rows"]
        assert metrics[f"taalas__lvs__rom_slice_{kind}_clean"] == 1
        assert metrics[f"taalas__lvs__rom_slice_{kind}_rows"] == rows
        assert metrics[f"taalas__lvs__rom_slice_{kind}_devices"] > rows * 16
    assert metrics["taalas__lvs__rom_tile_devices"] == sum(
        metrics[f"taalas__lvs__rom_slice_{k}_devices"] for k in ("wrom", "prom"))
    assert metrics["taalas__xor__non_personalisation_layers"] == 0
    assert metrics["taalas__xor__personalisation_diff_count"] > 0
    assert (run_dir / "final" / "gds" / "taalas_roms.gds").is_file()
    # Both ROM ports assembled (banks, port logic, channel, power, pins) and signed off.
    for kind in ("wrom", "prom"):
        assert metrics[f"taalas__drc__rom_port_{kind}_beol__count"] == 0
        assert metrics[f"taalas__drc__rom_port_{kind}_logic__count"] == 0
        assert metrics[f"taalas__lvs__rom_port_{kind}_clean"] == 1
        assert metrics[f"taalas__rom_port__{kind}__logic_cells"] > 2 * 8
        assert next(run_dir.glob(f"*-taalas-romports/taalas_engine_{kind}.gds")).is_file()
    # The data memory's bank: netlist simulated, laid out, signed off; the plan covers the
    # memory map (17,152 words for tiny-llama, whole columns of banks).
    assert metrics["taalas__sim__dmem_bank__mismatches"] == 0
    assert metrics["taalas__sim__dmem_bank__compared"] > 500
    assert metrics["taalas__drc__dmem_beol__count"] == 0
    assert metrics["taalas__drc__dmem_bank_tile__count"] == 0
    assert metrics["taalas__drc__dmem_interface__count"] == 0
    assert metrics["taalas__lvs__dmem_clean"] == 1
    assert metrics["taalas__sim__dmem_interface__mismatches"] == 0
    assert metrics["taalas__sim__dmem_interface__compared"] > 0
    assert metrics["taalas__sim__dmem__mismatches"] == 0
    assert metrics["taalas__sim__dmem__compared"] > 0
    assert metrics["taalas__drc__dmem_logic__count"] == 0
    # each stripe re-drives its inputs: clean drivers, each driving a load inside its
    # cell's liberty limit; the delay they and the read bus add measured
    assert metrics["taalas__drc__dmem_drivers__count"] == 0
    assert metrics["taalas__drc__dmem_repeaters__count"] == 0
    assert metrics["taalas__dmem__driver_cells"] > 0
    pdk = load_pdk("sky130", pdk_root)
    lib = PdkLiberty(pdk, "tt")

    def limit(key: str) -> float:
        cell = pdk.data["regfile"][key]
        return float(re.search(r"max_capacitance : ([\d.]+)", lib.pin(cell, "X")).group(1))

    for g in ("ra_addr", "rb_addr", "wa", "wd", "re_a", "re_b", "clk"):
        key = "clock_driver_cell" if g == "clk" else "input_buffer_cell"
        assert 0 < metrics[f"taalas__dmem__drive_{g}_pf"] < limit(key), g
        assert metrics[f"taalas__dmem__drive_{g}_ns"] > 0, g
    # the read chains: a stripe's links times its worst link, then the stripes'
    for k in ("read_chain", "read_links"):
        assert metrics[f"taalas__dmem__{k}_ns"] >= metrics[f"taalas__dmem__{k}_link_ns"] > 0
    assert metrics["taalas__dmem__read_chain_links"] > 1
    # every stage inside the memory (drivers, the logic's outputs, the read bus) is weighed
    # against its cell's limit, and the violations counted are those
    stages = [k[len("taalas__dmem__"):-len("_max_cap_pf")] for k in metrics
              if k.startswith("taalas__dmem__") and k.endswith("_max_cap_pf")]
    assert {"read_chain", "read_links", "drive_clk", "logic_sh_a", "logic_web",
            "write_enable", "select_a", "select_b"} <= set(stages)
    # each line timed whole (the logic's decode into it, then its wire) takes longer than its
    # last cell alone; the read registers' capture is a gate and a setup, no more
    for g in ("sh_a", "sl_a", "sh_w", "sl_w", "web"):
        assert metrics[f"taalas__dmem__logic_{g}_line_ns"] > metrics[
            f"taalas__dmem__logic_{g}_ns"], g
    assert all(abs(metrics[f"taalas__dmem__read_capture_{p}_ns"]) < 1.0 for p in ("a", "b"))
    assert metrics["taalas__dmem__max_cap_violations"] == sum(
        metrics[f"taalas__dmem__{s}_pf"] > metrics[f"taalas__dmem__{s}_max_cap_pf"]
        for s in stages) == 0
    # the chip: every block placed and wired, signed off
    assert metrics["taalas__drc__chip_beol__count"] == 0
    assert metrics["taalas__drc__chip_feol__count"] == 0
    assert metrics["taalas__lvs__chip_clean"] == 1
    assert metrics["taalas__chip__area_mm2"] > metrics["taalas__dmem__area_mm2"]
    assert (run_dir / "final" / "taalas_chip_gds" / "taalas_engine_chip.gds").is_file()
    # the base-die invariant on the chip itself, and the weights read back from it
    assert metrics["taalas__rom__chip_readback_ok"] == 1
    assert metrics["taalas__xor__chip_non_personalisation_layers"] == 0
    assert metrics["taalas__xor__chip_personalisation_diff_count"] > 0
    # the laid-out core timed with its wiring and clock tree: hold met at every corner; setup
    # is what it is (the report gives the clock), but measured at every corner
    assert metrics["taalas__chip__core_buffers"] > metrics["taalas__chip__core_clock_buffers"] > 0
    # every net between the core and another block within its driver's limit: the core's
    # outputs and the ROM ports' and the memory's outputs behind port buffers
    assert metrics["taalas__chip__core_port_buffers"] > 0
    assert metrics["taalas__chip__port_max_cap_violations"] == 0
    assert metrics["taalas__chip__port_load_max_pf"] > 0
    for corner in ("tt", "ss", "ff"):
        assert metrics[f"taalas__sta__core__hold_ws_{corner}_ns"] >= 0
    # and between blocks: every input of the core (its clock tree is ns long) and the ROM
    # macros' addresses, proven by a lower bound at tt and ff, the core given delay cells
    assert metrics["taalas__chip__core_hold_cells"] > 0
    for corner in ("tt", "ff"):
        assert metrics[f"taalas__sta__chip__hold_bound_{corner}_ns"] >= 0
    # the write outputs held to what the memory's banks need, its clock wire included, at
    # tt and ff (the memory measured at both)
    for corner in ("tt", "ff"):
        assert metrics[f"taalas__sta__chip__dmem_write_hold_bound_{corner}_ns"] >= 0
    # the memory's stripe clock drivers and the ROM ports' clock buffers timed with the edge
    # the wires bring them, slower than the pin's
    pin_edge = load_pdk("sky130", pdk_root).data["chip"]["clock_pin_transition_ns"]
    assert metrics["taalas__dmem__clock_edge_at_drivers_ns"] > pin_edge
    for kind in ("wrom", "prom"):
        assert metrics[f"taalas__chip__clock_transition_at_{kind}_buffer_ns"] > pin_edge
    # the clock's edge at the core's pin: slower than the pin's, by the chip's wire
    assert metrics["taalas__chip__clock_transition_at_core_ns"] > pin_edge
    sta = {k[len("taalas__sta__core__"):]: v for k, v in metrics.items()
           if k.startswith("taalas__sta__core__")}
    assert sta["setup_ws_ss_ns"] < sta["setup_ws_tt_ns"]
    assert metrics["taalas__sta__core__fmax_mhz"] > metrics["taalas__sta__core__fmax_ss_mhz"] > 0
    # the paths between blocks bound the clock too: never above the core's own; the ROM
    # macros' read measured (ngspice) at their bank shapes, the weight ROM's longer
    assert 0 < metrics["taalas__sta__chip__fmax_bound_tt_mhz"] <= \
        metrics["taalas__sta__core__fmax_mhz"] + 1e-9
    assert metrics["taalas__rom__wrom_read_ns_tt"] > metrics["taalas__rom__prom_read_ns_tt"] > 0
    assert metrics["taalas__dmem__area_mm2"] > metrics["taalas__dmem__columns_area_mm2"]
    # its timing with the wiring's parasitics: reads well inside the clock, hold met (the
    # write inputs' delay cells)
    assert 0 < metrics["taalas__dmem__bank_read_ns"] < 10.0
    assert metrics["taalas__dmem__bank_hold_ws_ns"] > 0
    assert metrics["taalas__dmem__banks"] * 64 >= metrics["taalas__dmem__words"] == 17152
    assert next(run_dir.glob("*-taalas-datamemory/taalas_engine_rf_64x16_2r1w.gds")).is_file()
    # two ROMs (weights, parameters), each as two column banks of 256-column word lines
    assert metrics["taalas__rom__macro_count"] == 4
    verilog = next(run_dir.glob("*-taalas-romarray/wrom.v")).read_text()
    assert "module taalas_engine_wrom" in verilog and "mem[12287] = 32'h" in verilog
    # The engine RTL ran the model token by token, bit-exact with the golden model, and its
    # core was synthesised and timed.
    assert metrics["taalas__engine__verified_tokens"] == len("the cat ") + 2
    assert metrics["taalas__engine__values_checked"] > 10_000
    assert metrics["design__instance__count"] > 1000
    assert "timing__setup__ws" in metrics
    verify = json.loads(next(run_dir.glob("*-taalas-enginertl/verify.json")).read_text())
    assert len(verify["generated"]) == 3
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
    assert "needs `iverilog`" in err and "enginertl" in err and "resume with --from" in err
    run_dir = tmp_path / "runs" / "tiny-llama-sky130-latest"
    # (LibreLane pads the step number to the step count's width: 01-, 02-, ... with 10+)
    for done in ("taalas-manifest", "taalas-loadmodel", "taalas-quantise",
                 "taalas-goldencheck"):
        (step,) = run_dir.glob(f"*-{done}")
        assert (step / "state_out.json").is_file()


def test_respin_changes_only_the_personalisation(tiny_run, pdk_root: Path,
                                                 tmp_path: Path) -> None:
    from conftest import run_cli

    cwd, r = tiny_run
    assert r.returncode == 0, r.stderr[-2000:]
    base = cwd / "runs" / "tiny-llama-sky130-latest"
    s = run_cli(pdk_root, tmp_path, "respin", "--base", str(base), "--model", "tiny-llama-b",
                "--runs", str(tmp_path), env={"COLUMNS": "200"})
    assert s.returncode == 0, s.stdout + s.stderr
    out = tmp_path / "runs" / "tiny-llama-sky130-latest-respin-tiny-llama-b"
    res = json.loads((out / "respin.json").read_text())
    assert res["readback_ok"] and res["xor_only_personalisation"]
    assert set(res["xor_differing"]) == {"70/44"}
    assert res["respin_fraction_of_full_run"] < 0.05
    # The re-spun GDS is exactly what a full run of tiny-llama-b writes for its ROMs (the
    # base run's XOR reference was generated from scratch for tiny-llama-b).
    ref = next(base.glob("*-taalas-romarray/taalas_roms_xor_ref.gds"))
    assert (out / "final" / "gds" / "taalas_roms.gds").read_bytes() == ref.read_bytes()
    # the chip too: re-spun from the base chip, read back, XOR on via3 only, and the same bytes
    # as the chip the base run built with tiny-llama-b's banks for its XOR proof
    assert res["chip_readback_ok"] and res["chip_xor_only_personalisation"]
    assert set(res["chip_xor_differing"]) == {"70/44"}
    chip_ref = next(base.glob("*-taalas-chiptop/taalas_engine_chip_xor_ref.gds"))
    assert Path(res["chip_gds"]).read_bytes() == chip_ref.read_bytes()


def test_respin_refuses_another_architecture(cli, tiny_run, tmp_path: Path) -> None:
    cwd, _ = tiny_run
    d = tmp_path / "wide"
    d.mkdir()
    cfg = json.loads((Path(__file__).parents[1] / "models" / "tiny-llama" /
                      "config.json").read_text())
    cfg["num_hidden_layers"] = 1
    (d / "config.json").write_text(json.dumps(cfg))
    rng = np.random.default_rng(0)
    from taalas_flow.model.config import load_config

    shapes = load_config(d / "config.json").expected_shapes()
    save_file({k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()},
              str(d / "model.safetensors"))
    r = cli("respin", "--base", str(cwd / "runs" / "tiny-llama-sky130-latest"), "--model",
            str(d))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "different architecture" in r.stderr and "Traceback" not in r.stderr


def test_classic_backend_fails_early_without_openroad(cli, tmp_path: Path) -> None:
    import shutil

    assert shutil.which("openroad") is None      # this machine, see ../shared/TOOLCHAIN.md
    r = cli("run", "--model", "tiny-llama", "--backend", "librelane-classic")
    assert r.returncode == 4, r.stdout + r.stderr
    assert "needs `openroad` on PATH" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "runs").exists()          # nothing half-run
    r = cli("run", "--model", "tiny-llama", "--backend", "magic")
    assert r.returncode == 2 and "unknown backend" in r.stderr
