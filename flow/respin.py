"""`taalas-flow respin`: a new chip from an earlier run's base die, changing only the
personalisation layer. The base run's ROM macros GDS and its chip GDS are read, only the ROM
banks' personality cells (via3) are rewritten for the new weights, and each result is proven
by readback (the new weights from the new GDS) and by the XOR against the base run's GDS
(differences on via3 only)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import gdstk

from taalas_flow.errors import InputError
from taalas_flow.pdk import load_pdk

GDS_NAME = "taalas_roms.gds"
CHIP_GDS_DIR = "taalas_chip_gds"      # the ChipTop step's view (steps/chip_steps.CHIP_GDS)


def read_base_run(base_run: Path) -> dict:
    """What a finished run was built with: model config, ROM GDS, bits, block, lanes, PDK
    config, clock target."""
    resolved = base_run / "resolved.json"
    model_json = sorted(base_run.glob("*-taalas-loadmodel/model.json"))
    gds = base_run / "final" / "gds" / GDS_NAME
    if not (resolved.is_file() and model_json and gds.is_file()):
        raise InputError(f"{base_run} is not a finished `taalas-flow run` with a ROM GDS",
                         f"expected resolved.json, NN-taalas-loadmodel/model.json and "
                         f"final/gds/{GDS_NAME}")
    cfg = json.loads(resolved.read_text())
    chip_gds = sorted((base_run / "final" / CHIP_GDS_DIR).glob("*.gds"))
    return {"config": json.loads(model_json[-1].read_text())["config"], "gds": gds,
            "chip_gds": chip_gds[0] if chip_gds else None,
            "bits": int(cfg["TAALAS_WEIGHT_BITS"]), "block": int(cfg["TAALAS_BLOCK_SIZE"]),
            "lanes": int(cfg.get("TAALAS_ENGINE_LANES", 8)),
            "pdk": cfg.get("TAALAS_PDK_CONFIG", "sky130"),
            "clock_ns": float(cfg.get("TAALAS_CLOCK_PERIOD") or cfg.get("CLOCK_PERIOD") or 10.0)}


def base_arch(base: dict):
    """The EngineArch a base run (read_base_run) was built for."""
    from taalas_flow.engine.arch import EngineArch
    from taalas_flow.model.config import LlamaConfig

    return EngineArch(LlamaConfig(**base["config"]), base["bits"], base["block"],
                      base["lanes"])


def repersonalise(pdk, arch, lib: gdstk.Library, source: Path, images: dict, dest: Path,
                  where: str = "GDS", names: tuple[str, ...] | None = None):
    """`lib` (read from `source`) with the banks' via3 of `images`, written to `dest`, and the
    XOR of `source` against it: the one operation a re-spin is, and the base-die proof of a
    run (the chip against itself with the second weights). `lib` is changed in place."""
    from taalas_flow.engine.rom_macros import set_personalities
    from taalas_flow.layout.gds import GDS_TIMESTAMP
    from taalas_flow.signoff.xor import xor_gds

    set_personalities(pdk, arch, lib, images, where, *([names] if names else []))
    dest.parent.mkdir(parents=True, exist_ok=True)
    lib.write_gds(str(dest), timestamp=GDS_TIMESTAMP)
    return xor_gds(source, dest, pdk.personalisation_gds_layers)


def respin(base_run: Path, model: str, pdk_root: Path | None, runs: Path | None = None) -> dict:
    from taalas_flow.die import check_fits
    from taalas_flow.engine.rom_macros import (
        macro_images,
        pdk_macro_shapes,
        readback_model,
    )
    from taalas_flow.model.config import LlamaConfig
    from taalas_flow.model.golden import quantise_model
    from taalas_flow.model.loader import load_checkpoint
    from taalas_flow.report.collect import collect
    from taalas_flow.rom.verilog import write_rom_verilog

    t0 = time.perf_counter()
    base_run = base_run.resolve()
    base = read_base_run(base_run)
    pdk = load_pdk(base["pdk"], pdk_root, stages=["signoff"])
    ckpt = load_checkpoint(model)
    base_cfg = LlamaConfig(**base["config"])
    if ckpt.config != base_cfg:
        raise InputError(f"model {ckpt.name} has a different architecture from the base run's "
                         f"({base_run.name}); a re-spin only changes weights",
                         "run `taalas-flow run` for a new architecture")
    qm = quantise_model(ckpt, base["bits"], base["block"])
    check_fits(qm.rom_bits(), pdk, f"model {ckpt.name}")
    arch = base_arch(base)
    images = macro_images(arch, qm)

    out = (runs or base_run.parent.parent).resolve() / "runs" / \
        f"{base_run.name}-respin-{ckpt.name}"
    gds_dir = out / "final" / "gds"
    gds_dir.mkdir(parents=True, exist_ok=True)
    shapes = pdk_macro_shapes(pdk, arch)
    gds = gds_dir / GDS_NAME
    xor = repersonalise(pdk, arch, gdstk.read_gds(str(base["gds"])), base["gds"], images, gds,
                        f"base GDS {base['gds']}")
    readback_ok = readback_model(pdk, arch, gds).same_integers(qm)
    chip = {}
    if base["chip_gds"]:
        # the chip embeds the same banks (in its ROM ports): the same cells rewritten
        chip_lib = gdstk.read_gds(str(base["chip_gds"]))
        chip_gds = out / "final" / CHIP_GDS_DIR / base["chip_gds"].name
        chip_xor = repersonalise(pdk, arch, chip_lib, base["chip_gds"], images, chip_gds,
                                 f"base chip GDS {base['chip_gds']}")
        chip = {"chip_gds": str(chip_gds),
                "chip_readback_ok": readback_model(pdk, arch, chip_lib).same_integers(qm),
                "chip_xor_only_personalisation": chip_xor.only_allowed,
                "chip_xor_differing": chip_xor.differing,
                "chip_xor_foreign_layers": chip_xor.foreign_layers}
    t_gds = time.perf_counter() - t0
    views = out / "views"
    views.mkdir(exist_ok=True)
    for name, shape in shapes.items():
        write_rom_verilog(images[name], shape.mux, f"taalas_engine_{name}", views / f"{name}.v")
    wall = time.perf_counter() - t0
    base_wall = collect(base_run).full_run_s
    result = {
        "base_run": str(base_run), "model": str(ckpt.directory), "gds": str(gds),
        "readback_ok": readback_ok, "xor_only_personalisation": xor.only_allowed,
        "xor_differing": xor.differing, "xor_foreign_layers": xor.foreign_layers,
        **chip, "respin_s": round(wall, 2), "gds_s": round(t_gds, 2),
        "base_full_run_s": round(base_wall, 1),
        "respin_fraction_of_full_run": round(wall / base_wall, 4) if base_wall else None,
    }
    (out / "respin.json").write_text(json.dumps(result, indent=2) + "\n")
    chip_ok = not chip or (chip["chip_readback_ok"] and chip["chip_xor_only_personalisation"])
    if not (readback_ok and xor.only_allowed and chip_ok):
        from taalas_flow.errors import ToolError
        raise ToolError(f"re-spin check failed: readback {'ok' if readback_ok else 'WRONG'}, "
                        f"layers other than the personalisation differ: {xor.foreign_layers}"
                        + (f"; chip readback {'ok' if chip['chip_readback_ok'] else 'WRONG'}, "
                           f"chip foreign layers {chip['chip_xor_foreign_layers']}"
                           if chip else ""),
                        f"see {out / 'respin.json'}")
    return result
