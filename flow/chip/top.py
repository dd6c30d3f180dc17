"""The chip top: the engine core, the data memory and the two ROM ports placed on a die and
wired on fixed tracks, power rails, and the chip's pins at the die's left edge. The netlist is
rtl_templates/engine_top.v.j2's: every block pin is on the net of the same name as the core's
port it meets (the memory's ports carry the RTL's names; a ROM port's ADDR_i/EN/DOUT_j/CLK
are the core's <kind>_addr/_en/_dout and clk).

Floorplan, bottom to top: met3 power rails (VGND, VPWR) across the die; the ROM ports, under
the memory; one routing channel across the die (chip/channel.py); the core with a column of
met4 lines on either side (its inputs leave at its left edge, its outputs at its right), and
the memory, whose ports are met4 pins on its bottom edge. Wiring is planar per layer:

- every chip net has one met3 track in the channel; the chip's pins are the tracks' left ends;
- a core pin is reached by a met4 line from its track up to the pin's y and a met3 stub to the
  core's edge; a memory pin by a met4 drop; a ROM port pin by a met4 line down to the pin's y
  beside the port and a met3 stub;
- power: the core's met2 straps and the memory's met4 spines run down across the channel into
  the rails; each ROM port's rails take a met4 strap from the die's rails.
"""

from __future__ import annotations

import math
import re

import gdstk

from taalas_flow.chip.channel import Channel, ChannelNet
from taalas_flow.chip.rom_port import STD_PREFIX, power_pins, straps_down, via_array, via_enclosure
from taalas_flow.errors import InputError
from taalas_flow.layout.cdl import merge_subckts, subckt_pins
from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, TrackGeometry, cdl_names
from taalas_flow.pnr.parasitics import wire_tables

POWER = ("VGND", "VPWR", "VNB")


def rom_pin_net(kind: str, pin: str) -> str:
    """The chip net of a ROM port pin."""
    if pin == "CLK":
        return "clk"
    if pin == "EN":
        return f"{kind}_en"
    m = re.fullmatch(r"(ADDR|DOUT)_(\d+)", pin)
    if not m:
        raise InputError(f"ROM port {kind}: unknown pin {pin}")
    return f"{kind}_{'addr' if m.group(1) == 'ADDR' else 'dout'}_{m.group(2)}_"


def _rename_cells(block: BlockLayout, prefix: str) -> tuple[list[gdstk.Cell], str]:
    """The block's standard-cell copies (rails drawn in, compared as black boxes) renamed apart
    from the ROM macros' device-level cells of the same names; its CDL to match."""
    top = next(c for c in block.lib.cells if c.name == block.name)
    # every cell object the top reaches: a block assembled in memory may reference copies
    # that are not in its library (same name, deduplicated there), and gdstk's
    # dependencies() gives one object per name, so the references are walked by object
    reached, todo, seen = [], [top, *block.lib.cells], set()
    while todo:
        cell = todo.pop()
        if id(cell) in seen:
            continue
        seen.add(id(cell))
        reached.append(cell)
        todo.extend(r.cell for r in cell.references if isinstance(r.cell, gdstk.Cell))
    for cell in reached:
        if cell.name.startswith(STD_PREFIX):
            cell.name = prefix + cell.name
    return reached, re.sub(r"\b" + STD_PREFIX, prefix + STD_PREFIX, block.cdl)


def build_chip(pdk: PdkConfig, core: BlockLayout, dmem: BlockLayout,
               roms: dict[str, BlockLayout], name: str) -> BlockLayout:
    """`core`: the engine core laid out by build_block; `dmem`: build_folded's memory;
    `roms`: each ROM port (build_rom_port) by kind. The blocks' cells are renamed (block
    prefix) in place."""
    c = pdk.data["chip"]
    g = TrackGeometry.of(pdk)
    margin, ring_w, rail_w, gap = (float(c[k]) for k in ("edge_margin", "ring_w", "rail_w",
                                                          "gap"))
    pre = str(c["block_prefix"])
    core_spell = cdl_names(sorted(core.ports))
    inputs = sorted((p for p, (x, _y) in core.ports.items() if x == 0.0),
                    key=lambda p: core.ports[p][1])
    outputs = sorted((p for p, (x, _y) in core.ports.items() if x != 0.0),
                     key=lambda p: core.ports[p][1])
    nets: dict[str, ChannelNet] = {}

    def net(n: str) -> ChannelNet:
        return nets.setdefault(n, ChannelNet(n))

    # x: left margin | met4 lines to the core's inputs | core | lines to its outputs | memory.
    x0 = snap(margin + gap)
    xc = snap(math.ceil((x0 + len(inputs) * g.m4_pitch + gap) / g.site) * g.site)
    left_x = {p: snap(xc - gap - (i + 0.5) * g.m4_pitch) for i, p in enumerate(inputs)}
    right_x = {p: snap(xc + core.width + gap + (i + 0.5) * g.m4_pitch)
               for i, p in enumerate(outputs)}
    xm = snap(math.ceil((xc + core.width + 2 * gap + len(outputs) * g.m4_pitch) / g.site)
              * g.site)
    for p, x in {**left_x, **right_x}.items():
        net(core_spell[p]).drops.append(x)
    for p, (px, _py) in dmem.ports.items():
        net(p).drops.append(snap(xm + px))

    # ROM ports under the memory, right of its power spines and its pins' drops (those reach
    # down into the channel), each with its met4 lines beside it.
    rom_x: dict[str, float] = {}
    rom_lines: list[tuple[str, float, str, float, float]] = []   # net, x, kind, pin x, pin y
    x = snap(xm + max([sx + ring_w for _n, sx in dmem.straps]
                      + [px for px, _py in dmem.ports.values()]) + 2 * gap)
    for kind, port in roms.items():
        ins = sorted((p for p, (px, _py) in port.ports.items() if px == 0.0),
                     key=lambda p: -port.ports[p][1])
        outs = sorted((p for p, (px, _py) in port.ports.items() if px != 0.0),
                      key=lambda p: -port.ports[p][1])
        xp = snap(math.ceil((x + gap + len(ins) * g.m4_pitch) / g.site) * g.site)
        rom_x[kind] = xp
        for i, p in enumerate(ins):
            rom_lines.append((rom_pin_net(kind, p), snap(xp - gap - (i + 0.5) * g.m4_pitch),
                              kind, xp + port.ports[p][0], port.ports[p][1]))
        for i, p in enumerate(outs):
            rom_lines.append((rom_pin_net(kind, p),
                              snap(xp + port.width + gap + (i + 0.5) * g.m4_pitch),
                              kind, xp + port.ports[p][0], port.ports[p][1]))
        x = snap(xp + port.width + 2 * gap + len(outs) * g.m4_pitch)
    for n, lx, *_ in rom_lines:
        net(n).drops.append(lx)
    # The chip's pins: core ports on no other block. A block pin no core pin meets (a ROM
    # output bit the core does not use: synthesis removed its port) is left unconnected.
    core_nets = {core_spell[p] for p in core.ports}
    unused = {n for n, nt in nets.items() if n not in core_nets}
    if any(len(nets[n].drops) > 1 for n in unused):
        raise InputError(f"{name}: nets between blocks that reach no core pin: "
                         f"{sorted(n for n in unused if len(nets[n].drops) > 1)[:4]}")
    for n in unused:
        del nets[n]
    rom_lines = [r for r in rom_lines if r[0] not in unused]
    for nt in nets.values():
        nt.left_exit = len(nt.drops) == 1
    nets["clk"].left_exit = True

    # y: rails, ROM ports, channel, core and memory.
    y_gnd = snap(margin + rail_w / 2)
    y_pwr = snap(y_gnd + rail_w + gap)
    yr = snap(y_pwr + rail_w / 2 + gap)
    ch = Channel(pdk, snap(yr + max(p.height for p in roms.values()) + gap))
    ch.assign([nets[n] for n in sorted(nets)])
    yb = snap(ch.top + gap)
    width = snap(max(xm + dmem.width, x) + margin)
    height = snap(yb + max(core.height, dmem.height) + margin)

    top = gdstk.Cell(name)
    d = Drawer(pdk, top)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    have: set[str] = set()
    cdls = []
    for blk in (core, dmem):
        cells, cdl = _rename_cells(blk, pre)
        cdls.append(cdl)
        for cell in cells:
            if cell.name not in have:
                have.add(cell.name)
                lib.add(cell)
    for port in roms.values():
        cdls.append(port.cdl)
        for cell in port.lib.cells:
            if cell.name not in have:
                have.add(cell.name)
                lib.add(cell)

    def ref(blk: BlockLayout, at: tuple[float, float]) -> None:
        top.add(gdstk.Reference(next(cl for cl in blk.lib.cells if cl.name == blk.name), at))

    ref(core, (xc, yb))
    ref(dmem, (xm, yb))
    for kind, port in roms.items():
        ref(port, (rom_x[kind], yr))

    # Power.
    for y in (y_gnd, y_pwr):
        d.hwire("met3", margin, width - margin, y, rail_w)
    enc3 = via_enclosure(pdk, "via3")
    rail_of = {"VGND": y_gnd, "VPWR": y_pwr}
    straps_down(d, core, xc, yb, rail_of, reach=0.5)
    for n, sx in dmem.straps:
        sx = xm + sx
        ry = rail_of[n]
        d.vwire("met4", sx, ry - rail_w / 2, yb + 0.5, ring_w)
        via_array(d, "via3", (sx - ring_w / 2, ry - rail_w / 2, sx + ring_w / 2,
                               ry + rail_w / 2), enc3)
    for kind, port in roms.items():
        # the port's own bottom rails (rom_port: VGND lowest, VPWR above it)
        local = {"VGND": margin + rail_w / 2, "VPWR": margin + 1.5 * rail_w + gap}
        for k, n in enumerate(("VGND", "VPWR")):
            sx = snap(rom_x[kind] + port.width / 2 + (k - 0.5) * (ring_w + 2 * gap))
            ty = yr + local[n]
            d.vwire("met4", sx, rail_of[n] - rail_w / 2, ty + rail_w / 2, ring_w)
            for y in (rail_of[n], ty):
                via_array(d, "via3", (sx - ring_w / 2, y - rail_w / 2, sx + ring_w / 2,
                                       y + rail_w / 2), enc3)

    # Signals.
    ch.draw_tracks(d, left=0.0)
    for p, lx in left_x.items():
        ch.draw_column(d, core_spell[p], lx, yb + core.ports[p][1], xc, to=core.name)
    for p, rx in right_x.items():
        ch.draw_column(d, core_spell[p], rx, yb + core.ports[p][1], xc + core.width,
                       to=core.name)
    m4_min = d.pad_size("met4", False)[1]
    for p, (px, _py) in dmem.ports.items():
        if p in nets:
            ch.draw_drop(d, p, snap(xm + px), yb + m4_min / 2, layer="met4", to=dmem.name)
    for n, lx, kind, px, py in rom_lines:
        ch.draw_column(d, n, lx, yr + py, px, to=roms[kind].name)
    pins_out = ch.draw_left_pins(d)
    pins = list(pins_out)
    power_pins(d, margin, rail_w, (("VGND", y_gnd), ("VPWR", y_pwr)))
    d.rect("boundary", (0, 0, width, height))
    lib.add(top)

    # Reference netlist: the blocks as subcircuits on the chip's nets.
    subckts = merge_subckts(cdls)
    lines = [f"* chip {name} generated by taalas-flow", *subckts.values(),
             f".SUBCKT {name} {' '.join(pins + list(POWER))}"]
    def conn(pin: str, n: str) -> str:
        return pin if pin in POWER else n

    lines.append("Xcore " + " ".join(conn(p, p) for p in subckt_pins(subckts[core.name]))
                 + f" {core.name}")
    lines.append("Xdmem " + " ".join(conn(p, p) for p in subckt_pins(subckts[dmem.name]))
                 + f" {dmem.name}")
    for kind, port in roms.items():
        def rom_conn(p: str, kind: str = kind) -> str:
            if p in POWER:
                return p
            n = rom_pin_net(kind, p)
            return n if n in nets else f"{kind}_open_{p}"

        lines.append(f"X{kind} " + " ".join(rom_conn(p) for p in subckt_pins(subckts[port.name]))
                     + f" {port.name}")
    lines += [".ENDS", ""]
    metrics = {"width_um": width, "height_um": height, "area_mm2": width * height * 1e-6,
               "channel_tracks": ch.n_tracks, "pins": len(pins), "nets": len(nets),
               "core_um2": core.width * core.height, "dmem_um2": dmem.width * dmem.height,
               **{f"{k}_um2": p.width * p.height for k, p in roms.items()}}
    chip = BlockLayout(name, lib, "\n".join(lines), width, height, metrics, ports=pins_out,
                       wires=ch.wires, cuts=ch.cuts,
                       tracks={n: ch.track_span(n, left=0.0) for n in ch.extent},
                       branches=ch.branches)
    chip.net_pf = wire_tables(pdk, chip, dmem, *roms.values())
    return chip
