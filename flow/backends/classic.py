"""LibreLane Classic (OpenROAD) as a second implementation of the same chip: the design
directory it needs, written from a finished structured run.

Why from a run and not from the model: the ROM contents come back out of the run's GDS
(readback), so the Classic chip holds exactly the weights the structured chip holds, and the
bank macros are the run's own cells, copied with everything they reference. The logic is the
same base-die RTL (rendered again from the architecture: deterministic), with the ROM ports
built on the bank macros (rom_port.v.j2) instead of the behavioural ROMs. The macros are fixed
where the structured flow puts them, bottom left, so the two layouts can be compared.

What is written (all paths in config.json are `dir::` relative, so the directory moves):

    config.json                 LibreLane config for `librelane config.json` (Classic flow)
    src/*.v                     base-die RTL and ROM ports
    macros/<bank>/<bank>.gds    the bank macro (from the run's GDS)
    macros/<bank>/<bank>.lef    abstract (pins from the GDS labels, OBS over the macro)
    macros/<bank>/<bank>_bb.v   black box for synthesis
    macros/<bank>/<bank>.v      pin-level model (simulation)
    macros/<bank>/<bank>_<corner>.lib   with --liberty: ngspice-measured timing
"""

from __future__ import annotations

import json
from pathlib import Path

import gdstk

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.render import render_engine, render_rom_ports
from taalas_flow.engine.rom_macros import (
    bank_images,
    pdk_macro_shapes,
    readback_images,
)
from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.pdk import PdkConfig
from taalas_flow.rom.lef import macro_pins, write_rom_lef
from taalas_flow.rom.verilog import rom_macro_verilog

NAME = "taalas_engine"
# Die edge to the first macro: room for the IO ring LibreLane's PDN and pin placer draw.
MACRO_ORIGIN_UM = (50.0, 50.0)


def _bank_gds(lib: gdstk.Library, bank: str, path: Path) -> gdstk.Cell:
    """One bank macro and every cell it references, as its own GDS."""
    cells = {c.name: c for c in lib.cells}
    if bank not in cells:
        raise KeyError(bank)
    top = cells[bank]
    out = gdstk.Library(unit=1e-6, precision=1e-9)
    out.add(top, *top.dependencies(True))
    out.write_gds(str(path), timestamp=GDS_TIMESTAMP)
    return top


def _blackbox(pdk: PdkConfig, top: gdstk.Cell, bank: str) -> str:
    """Synthesis view: the macro's signal pins as its LEF has them, nothing inside."""
    pins = macro_pins(pdk, top)
    addr = sorted((p for p in pins if p.startswith("A")), key=lambda p: int(p[1:]))
    douts = [p for p in pins if p.startswith("DOUT")]
    width = len(douts)
    lines = ["(* blackbox *)", f"module {bank} ("]
    lines += [f"    input  wire {a}," for a in addr]
    lines += ["    input  wire PRE,", "    input  wire CLK,",
              f"    output wire [{width - 1}:0] DOUT", ");", "endmodule", ""]
    return "\n".join(lines)


def export_classic(pdk: PdkConfig, arch: EngineArch, rom_gds: Path, dest: Path,
                   clock_ns: float, liberty_corners: tuple[str, ...] = ()) -> Path:
    """Write the Classic design directory; returns config.json."""
    src, macros = dest / "src", dest / "macros"
    rtl = render_engine(arch, src, NAME)
    ports = render_rom_ports(pdk, arch, src, NAME)
    shapes = pdk_macro_shapes(pdk, arch)
    images = readback_images(pdk, arch, rom_gds)
    lib = gdstk.read_gds(str(rom_gds))
    placed = {r.cell.name: r.origin for c in lib.cells if c.name == "taalas_roms"
              for r in c.references}
    macro_cfg: dict[str, dict] = {}
    pdn: list[str] = []
    for kind, shape in shapes.items():
        for bank, bits in bank_images(shape, images[kind]).items():
            d = macros / bank
            d.mkdir(parents=True, exist_ok=True)
            gds = d / f"{bank}.gds"
            top = _bank_gds(lib, bank, gds)
            write_rom_lef(pdk, gds, bank, d / f"{bank}.lef")
            (d / f"{bank}_bb.v").write_text(_blackbox(pdk, top, bank))
            (d / f"{bank}.v").write_text(rom_macro_verilog(bits, shape.mux, bank))
            libs = {}
            if liberty_corners:
                from taalas_flow.rom.liberty import measure_timing, write_rom_liberty
                for corner in liberty_corners:
                    t = measure_timing(pdk, shape.rows, shape.bank_cols, shape.mux, corner,
                                       d / f"timing_{corner}")
                    libs[f"*_{corner}_*"] = [
                        f"dir::macros/{bank}/" + write_rom_liberty(
                            pdk, gds, bank, t, d / f"{bank}_{corner}.lib").name]
            (x0, y0), _ = top.bounding_box()
            ox, oy = placed[bank]
            inst = f"u_{kind}.u_{bank}"
            macro_cfg[bank] = {
                "gds": [f"dir::macros/{bank}/{bank}.gds"],
                "lef": [f"dir::macros/{bank}/{bank}.lef"],
                "vh": [f"dir::macros/{bank}/{bank}_bb.v"],
                "lib": libs,
                "instances": {inst: {
                    "location": [round(MACRO_ORIGIN_UM[0] + ox + x0, 3),
                                 round(MACRO_ORIGIN_UM[1] + oy + y0, 3)],
                    "orientation": "N"}},
            }
            pdn.append(f"{inst} VPWR VGND VPWR VGND")
    die = pdk.data["die"]
    config = {
        "DESIGN_NAME": NAME,
        "VERILOG_FILES": [f"dir::src/{p.name}" for p in rtl + ports],
        "CLOCK_PORT": "clk",
        "CLOCK_PERIOD": clock_ns,
        "FP_SIZING": "absolute",
        "DIE_AREA": [0, 0, die["width_um"], die["height_um"]],
        "MACROS": macro_cfg,
        "PDN_MACRO_CONNECTIONS": pdn,
        "SYNTH_STRATEGY": pdk.data["synthesis"]["strategy"],
        "meta": {"version": 2, "flow": "Classic"},
    }
    path = dest / "config.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path
