"""Render the engine RTL (base die) and its ROM contents (personalisation) for one architecture.

The base-die files depend only on EngineArch (and the PDK's word-line limit, which sets the ROM
column banks); `render_roms` and `render_rom_macro_models` are the only functions that look at
weights, and they write nothing but the ROM macros' views."""

from __future__ import annotations

from pathlib import Path

import jinja2

from taalas_flow.engine.arch import LOGIT_HEADROOM, EngineArch
from taalas_flow.engine.program import program
from taalas_flow.engine.rom_macros import bank_images, macro_images, macro_shapes, pdk_macro_shapes
from taalas_flow.engine.rom_map import rom_map
from taalas_flow.model import fixedpoint as fx
from taalas_flow.model.golden import QuantModel
from taalas_flow.pdk import PdkConfig
from taalas_flow.regfile.bank import render_bank_model
from taalas_flow.regfile.logic import dmem_params
from taalas_flow.resources import rtl_templates_dir
from taalas_flow.rom.predecode import PredecodePlan
from taalas_flow.rom.verilog import rom_macro_verilog, rom_verilog
from taalas_flow.rtl.render import render_mac_lane


def _vsigned(v: int, width: int) -> str:
    return f"-{width}'sd{-int(v)}" if v < 0 else f"{width}'sd{int(v)}"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(rtl_templates_dir())),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["vsigned"] = _vsigned
    return env


def _bits(n: int) -> int:
    return max(1, (n - 1).bit_length())


def template_params(arch: EngineArch, name: str) -> dict:
    c, k, m = arch.config, arch.constants, rom_map(arch)
    cos, sin = k.rope_tables
    return {
        "name": name,
        "summary": (f"d={c.hidden_size}, layers={c.num_hidden_layers}, "
                    f"heads={c.num_attention_heads}"
                    f"/{c.num_key_value_heads}, ffn={c.intermediate_size}, vocab={c.vocab_size}, "
                    f"context={c.max_position_embeddings}, int{arch.bits} weights, block "
                    f"{arch.block}, {arch.lanes} lanes"),
        "P": arch.lanes, "PL": _bits(arch.lanes), "WB": arch.bits, "BL": _bits(arch.block),
        "HD": c.head_dim, "KVD": c.kv_dim, "REP": c.num_attention_heads // c.num_key_value_heads,
        "SC": arch.memory_map["sc"], "CTX": c.max_position_embeddings,
        "DEPTH": arch.memory_map["_size"],
        "ACC_W": arch.mac["acc_w"], "LOGIT_W": arch.logit_bits, "MS_W": arch.ms_bits,
        # stage 2: operand, 18-bit second factor, and 16 bits of left shift (saturating beyond)
        "S2A_W": arch.post_operand_bits, "S2P_W": arch.post_operand_bits + 18 + LOGIT_HEADROOM,
        "TOKW": arch.token_bits, "POSW": arch.pos_bits, "DAW": arch.data_addr_bits,
        "WAW": _bits(m.weight_depth), "PAW": _bits(m.param_depth),
        "WW": arch.weight_word_bits, "PW": arch.param_word_bits,
        "INV_D": k.rms_inv_d, "EPS": k.eps_q16, "ATT_SCALE": k.att_scale,
        "RSQRT_BASE": fx.RSQRT_L - fx.ACT_FRAC + fx.RSQRT_M // 2,
        "SILU_HI": fx.SILU_HI, "SILU_SHIFT": fx.SILU_SHIFT,
        "rsqrt": fx.RSQRT_LUT.tolist(), "exp": fx.EXP_LUT.tolist(),
        "recip": fx.RECIP_LUT.tolist(), "silu": fx.SILU_LUT.tolist(),
        "cos": cos.ravel().tolist(), "sin": sin.ravel().tolist(),
        "ROPEW": _bits(cos.size),
        "program": [i.fields() for i in program(arch)],
    }


def render_engine(arch: EngineArch, out: Path, name: str = "taalas_engine") -> list[Path]:
    """Base-die RTL: MAC lane, core, data memory (register-file banks, simulated with their
    behavioural model) and top. Returns the files in compile order."""
    out.mkdir(parents=True, exist_ok=True)
    params = template_params(arch, name)
    lane = render_mac_lane(out / f"{name}_mac_lane.v", f"{name}_mac_lane", arch.bits,
                           arch.block, arch.max_cols, requant=False)
    files = [lane]
    plan = arch.memory_plan
    bank = plan.bank.module(f"{name}_rf")
    files.append(render_bank_model(plan.bank, out / f"{bank}_model.v", bank))
    params.update(dmem_params(plan, name, arch.data_addr_bits))
    for tpl, fname in (("engine_core.v.j2", f"{name}_core.v"), ("dmem.v.j2", f"{name}_dmem.v"),
                       ("engine_top.v.j2", f"{name}.v")):
        path = out / fname
        path.write_text(_env().get_template(tpl).render(**params))
        files.append(path)
    return files


def render_roms(arch: EngineArch, qm: QuantModel, out: Path,
                name: str = "taalas_engine") -> list[Path]:
    """The model's ROM macros as behavioural Verilog, generated from the physical bit images
    (column mux and all) that the GDS holds, so simulation reads what the layout stores."""
    out.mkdir(parents=True, exist_ok=True)
    shapes = macro_shapes(arch)
    files = []
    for kind, img in macro_images(arch, qm).items():
        path = out / f"{name}_{kind}.v"
        path.write_text(rom_verilog(img, shapes[kind].mux, f"{name}_{kind}"))
        files.append(path)
    return files


def render_rom_ports(pdk: PdkConfig, arch: EngineArch, out: Path,
                     name: str = "taalas_engine") -> list[Path]:
    """The ROM ports as the chip builds them: `<name>_wrom` / `<name>_prom` with the
    behavioural models' pins, made of the physical bank macros (rom_port.v.j2). They replace
    the behavioural models wherever the physical netlist is wanted."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for kind, shape in pdk_macro_shapes(pdk, arch).items():
        bank_w = shape.width // shape.banks
        banks = [{"name": b, "lo": k * bank_w, "hi": (k + 1) * bank_w - 1}
                 for k, b in enumerate(shape.bank_names)]
        macro_addr_w = PredecodePlan(shape.rows, shape.mux).address_bits
        path = out / f"{name}_{kind}.v"
        path.write_text(_env().get_template("rom_port.v.j2").render(
            module=f"{name}_{kind}", kind=kind, banks=banks, bank_w=bank_w,
            width=shape.width, addr_w=macro_addr_w, macro_addr_w=macro_addr_w))
        files.append(path)
    return files


def render_rom_macro_models(pdk: PdkConfig, arch: EngineArch, qm: QuantModel,
                            out: Path) -> list[Path]:
    """Pin-level models of every bank macro (what its transistors do, rom_macro_verilog),
    from the same bank images the GDS is drawn from."""
    out.mkdir(parents=True, exist_ok=True)
    shapes = pdk_macro_shapes(pdk, arch)
    files = []
    for kind, img in macro_images(arch, qm).items():
        for bank, bits in bank_images(shapes[kind], img).items():
            path = out / f"{bank}.v"
            path.write_text(rom_macro_verilog(bits, shapes[kind].mux, bank))
            files.append(path)
    return files
