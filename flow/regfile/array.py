"""The data memory's columns assembled: the columns side by side, each column's interface
under it, one routing channel between the two rows, met3 power rails above and below
joined by a met4 ring. It is the memory as one block, wired on fixed tracks and signed off on
its own, the way rom_port assembles a ROM port.

Floorplan, bottom to top: rails (VGND, VPWR); the interfaces, each centred under its column with
its wiring columns on either side; the channel; the columns; rails (VPWR, VGND). Wiring
(chip/channel.py) is planar per layer by construction:

- a column's own enables (met2 pins at its bottom edge) drop on met2 to their channel track,
  its shared ports (met4 pins) drop on met4; a column's read bit lines and write enables are
  its own nets, everything else (clock, addresses, write data, read enables) is shared by
  every column and leaves at the channel's left end;
- an interface's pins are reached by a met4 column from the track down to the pin's y and met3
  across to the interface's edge; the columns sit on met4 tracks clear of the column's met4
  drops above them;
- the predecoded column lines SH_/SL_ and the write enables WEB of the banks run the
  channel's full length and leave at its left end;
- with input drivers (regfile/drivers.py) under the channel's left end, the clock, word
  address, write data and read enables leave at the left end only as far as the drivers'
  inputs; the drivers' outputs (nets `b_<input>`) run from there to the last column;
- the read chains: each interface's output runs to the next interface on its left, the
  first one's (`l_G_<p>_<bit>_`) into the read repeaters beside the drivers, whose outputs
  (G_<p> in the first stripe, U<s>_G_<p> in stripe s) and inputs from the stripe above
  leave at the left end; the repeaters' tie cell (`l_ZERO`) ends the chains at the last
  interface.

The reference netlist for LVS comes from the same plan (which column gets which column
lines), not from the drawing.
"""

from __future__ import annotations

import math
import re

import gdstk

from taalas_flow.chip.channel import Channel, ChannelNet
from taalas_flow.chip.rom_port import (
    power_pins,
    rails_and_ring,
    straps_down,
    via_array,
    via_enclosure,
)
from taalas_flow.errors import InputError
from taalas_flow.layout.cdl import merge_subckts, subckt_pins
from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, TrackGeometry, cdl_names
from taalas_flow.pnr.parasitics import net_rc, wire_tables
from taalas_flow.regfile.drivers import BUFFERED_PIN, DRIVEN, LOCAL, ZERO, driver_net
from taalas_flow.regfile.memory import ENGINE_PORT, MemoryPlan, engine_name

# A column's own ports (met2 pins, one per bank): build_column names them <port>_<bank>.
COLUMN_OWN = re.compile(r"(WE|RE_[A-Z])_(\d+)")
BIT_LINE = re.compile(r"RD_[A-Z]_\d+_")
# A bank's write enable, from its column's interface up the column (column_net, interface_net).
WRITE_ENABLE = re.compile(r"c\d+_WE_\d+_?")
POWER = ("VGND", "VPWR", "VNB")


def column_net(c: int, pin: str, driven: bool = False) -> str:
    """The array net a column's pin is on; `driven`: the stripe has input drivers, whose
    outputs carry the inputs they re-drive (regfile/drivers.py)."""
    m = COLUMN_OWN.fullmatch(pin)
    if m and m.group(1) == "WE":
        return f"c{c}_{pin}"
    if BIT_LINE.fullmatch(pin):
        return f"c{c}_{pin}"
    if driven and BUFFERED_PIN.fullmatch(pin):
        return DRIVEN + engine_name(pin)
    return engine_name(pin)


def logic_net(plan: MemoryPlan, pin: str) -> str:
    """The array net a pin (CDL spelling) of the memory's global logic (dmem_logic) is on:
    its address inputs are the high bits of the memory's address ports."""
    m = re.fullmatch(r"(RE|SH|SL)_([A-Z])_(\d+)_", pin)
    if m:
        return f"{m.group(1)}_{m.group(2)}_{m.group(3)}"
    m = re.fullmatch(r"(wa|r[a-z])_hi_(\d+)_", pin)
    if m:
        base = "wa" if m.group(1) == "wa" else f"{m.group(1)}_addr"
        return f"{base}_{plan.word_bits + int(m.group(2))}_"
    return pin


def interface_net(plan: MemoryPlan, c: int, pin: str, stripe: range) -> str:
    """The array net an interface's pin (CDL spelling) is on, for column `c` of the stripe
    holding columns `stripe`: its read chain's output G_<p> on the net the interface to its
    left takes (c<c>_G_..., the stripe's l_G_... from its first column into the repeaters),
    its chain input C_<p> on the next column's output (the stripe's ZERO at its last)."""
    m = re.fullmatch(r"([CG])_([A-Z]_\d+_)", pin)
    if m and m.group(1) == "G":
        return chain_net(c, m.group(2), stripe)
    if m:
        return chain_net(c + 1, m.group(2), stripe) if c + 1 in stripe else ZERO
    hi, lo = plan.column_lines(c)
    m = re.fullmatch(r"S([HL])_([A-Z])", pin)
    if m:
        return f"S{m.group(1)}_{m.group(2)}_{hi if m.group(1) == 'H' else lo}"
    m = re.fullmatch(r"WE_(\d+)_", pin)
    if m:
        return f"c{c}_WE_{m.group(1)}"
    if re.fullmatch(r"RD_[A-Z]_\d+_", pin):
        return f"c{c}_{pin}"
    return pin


def cdl_net(net: str) -> str:
    """A net as the reference netlist spells it: the tie cell's output is the stripe's ZERO
    in the drawing but VGND to LVS (the cell's output is a short to its ground rail, which
    the PDK's LVS deck extracts as a wire, not a device)."""
    return "VGND" if net == ZERO else net


def chain_net(c: int, bit: str, stripe: range) -> str:
    """The read chain's net out of column `c`'s interface for `bit` (A_3_): a stripe net."""
    return f"{LOCAL}G_{bit}" if c == stripe.start else f"c{c}_G_{bit}"


def _free_m4(g: TrackGeometry, start: float, step: float, stop: float, n: int,
             blocked: list[float]) -> list[float]:
    """n met4 track x from `start` towards `stop` (step +/- pitch) at least a pitch from
    every blocked x."""
    out: list[float] = []
    x = start
    while len(out) < n and (x - stop) * step < 0:
        if all(abs(x - b) >= g.m4_pitch for b in blocked):
            out.append(snap(x))
        x += step
    return out


def build_array(pdk: PdkConfig, plan: MemoryPlan, column: BlockLayout, iface: BlockLayout,
                name: str, columns: range | None = None,
                logic: BlockLayout | None = None, export: bool = False,
                drivers: BlockLayout | None = None, *, repeaters: BlockLayout,
                stripe: int = 0, stripes: int = 1) -> BlockLayout:
    """`column` from build_column, `iface` from build_interface; `columns` (default: all of the
    plan's) are the plan's column indices this array holds, left to right. With `logic` (the
    memory's global logic laid out by build_block) at the left end, the block is the whole
    memory and its ports are the engine's (clk, wa_*, ra_data_*, ...); without it, the
    predecoded lines, bank selects and read bus are ports too (`export` keeps them ports
    with the logic, for a memory folded into several such blocks). With `drivers`
    (regfile/drivers.py) at the left end, after the logic, the columns' word address, write
    data and read enables are that block's outputs, its inputs the memory's nets. The
    `repeaters` (regfile/drivers.build_repeaters) after them end the stripe's read chains,
    this array being stripe number `stripe` of `stripes` (driver_net)."""
    cols = list(columns if columns is not None else range(plan.columns))
    c = pdk.data["chip"]
    g = TrackGeometry.of(pdk)
    margin, ring_w, rail_w, gap = (float(c[k]) for k in ("edge_margin", "ring_w", "rail_w",
                                                          "gap"))
    col_cell = next(cl for cl in column.lib.cells if cl.name == column.name)
    met2_pins = {p for p in column.ports if COLUMN_OWN.fullmatch(p)}
    pitch = snap(column.width + gap)
    x_left = snap(margin + ring_w + gap)
    nets: dict[str, ChannelNet] = {}

    def net(n: str) -> ChannelNet:
        return nets.setdefault(n, ChannelNet(n))

    # Blocks under the channel (each interface, the logic): each pin reached by a met4 wiring
    # column beside the block, inputs on its left, outputs on its right.
    # net, column x, pin x, pin y (block), block
    wiring: list[tuple[str, float, float, float, str]] = []
    under: list[tuple[BlockLayout, float]] = []

    def place_under(blk: BlockLayout, xt: float, net_of, blocked: list[float], lo: float,
                    hi: float, where: str) -> None:
        spell = cdl_names(sorted(blk.ports))
        ins = sorted((p for p, (x, _y) in blk.ports.items() if x == 0.0),
                     key=lambda p: -blk.ports[p][1])
        outs = sorted((p for p, (x, _y) in blk.ports.items() if x != 0.0),
                      key=lambda p: -blk.ports[p][1])
        left = _free_m4(g, xt - gap - g.m4_w / 2, -g.m4_pitch, lo, len(ins), blocked)
        right = _free_m4(g, xt + blk.width + gap + g.m4_w / 2, g.m4_pitch, hi, len(outs),
                         blocked)
        if len(left) < len(ins) or len(right) < len(outs):
            raise InputError(f"{name}: the wiring columns of {blk.name} do not fit beside it "
                             f"{where} ({len(left)}/{len(ins)} left, {len(right)}/{len(outs)} "
                             "right)", "make the block narrower (more rows) or the column wider")
        for p, x in zip(ins + outs, left + right, strict=True):
            px, py = blk.ports[p]
            n = net_of(spell[p])
            wiring.append((n, x, xt + px, py, blk.name))
            net(n).drops.append(x)
        under.append((blk, xt))

    # The logic, the drivers, the repeaters at the left end: each with its inputs' wiring
    # columns on its left and its outputs' on its right.
    x_cols = x_left
    for blk, net_of in ((logic, lambda p: logic_net(plan, p)),
                        (drivers, lambda p: driver_net(p, stripe, stripes)),
                        (repeaters, lambda p: driver_net(p, stripe, stripes))):
        if blk is None:
            continue
        n_in = sum(1 for x, _y in blk.ports.values() if x == 0.0)
        n_out = len(blk.ports) - n_in
        xt = snap(x_cols + math.ceil((2 * gap + n_in * g.m4_pitch) / g.site) * g.site)
        x_next = snap(xt + blk.width + 3 * gap + n_out * g.m4_pitch)
        place_under(blk, xt, net_of, [], x_cols, x_next - gap, "at the left end")
        x_cols = x_next
    driven, span = drivers is not None, range(cols[0], cols[-1] + 1)
    if cols != list(span):
        raise InputError(f"{name}: columns {cols} are not consecutive",
                         "a stripe's read chains run through consecutive columns")

    # Per column: where it sits, its drops, its interface and the interface's wiring columns.
    drops: list[tuple[str, float, str]] = []               # net, x, layer
    for i, ci in enumerate(cols):
        xc = snap(x_cols + i * pitch)
        blocked = []
        for p, (px, _py) in column.ports.items():
            n = column_net(ci, p, driven)
            lay = "met2" if p in met2_pins else "met4"
            drops.append((n, snap(xc + px), lay))
            net(n).drops.append(snap(xc + px))
            if lay == "met4":
                blocked.append(snap(xc + px))
        xt = snap(xc + round((column.width - iface.width) / 2 / g.site) * g.site)
        place_under(iface, xt, lambda p, ci=ci: interface_net(plan, ci, p, span), blocked,
                    xc + g.m4_w, xc + column.width - g.m4_w, f"under column {ci}")
    local = {n for n in nets if re.match(r"c\d+_", n) or n.startswith((DRIVEN, LOCAL))}
    for n in set(nets) - local:
        nets[n].left_exit = logic is None or export or bool(ENGINE_PORT.fullmatch(n))
    dangling = sorted(n for n, nt in nets.items() if not nt.left_exit and len(nt.drops) < 2)
    if dangling:
        raise InputError(f"{name}: nets with one terminal and no port: {dangling[:4]}",
                         "a block pin is not mapped to the memory's net names")

    # y positions, bottom up: rails, interfaces and logic, channel, columns, rails.
    y_gnd0 = margin + rail_w / 2
    y_pwr0 = y_gnd0 + rail_w + gap
    yt = snap(y_pwr0 + rail_w / 2 + gap + g.strap_w)
    ch = Channel(pdk, snap(yt + max(blk.height for blk, _x in under) + gap))
    ch.assign([nets[n] for n in sorted(nets)])
    yc = snap(ch.top + gap)
    y_pwr1 = snap(yc + column.height + gap + g.strap_w + rail_w / 2)
    y_gnd1 = y_pwr1 + rail_w + gap
    height = snap(y_gnd1 + rail_w / 2 + margin)
    width = snap(x_cols + len(cols) * pitch + ring_w + margin)

    top = gdstk.Cell(name)
    d = Drawer(pdk, top)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    have: set[str] = set()
    for cell in [*column.lib.cells, *(c for blk in (iface, logic, drivers, repeaters) if blk
                                      for c in blk.lib.cells)]:
        if cell.name not in have:
            have.add(cell.name)
            lib.add(cell)
    for i in range(len(cols)):
        top.add(gdstk.Reference(col_cell, (snap(x_cols + i * pitch), yc)))
    for blk, xt in under:
        top.add(gdstk.Reference(next(cl for cl in blk.lib.cells if cl.name == blk.name),
                                (xt, yt)))

    # Power: rails, ring, straps into the rails.
    rails_and_ring(d, width, (y_gnd0, y_pwr0, y_pwr1, y_gnd1))
    enc2 = via_enclosure(pdk, "via2")
    for blk, xt in under:
        straps_down(d, blk, xt, yt, {"VGND": y_gnd0, "VPWR": y_pwr0})
    for i in range(len(cols)):
        xc = snap(x_cols + i * pitch)
        for n, sx in column.straps:
            ry = y_pwr1 if n == "VPWR" else y_gnd1
            x = xc + sx
            d.vwire("met2", x, yc + column.height - 0.5, ry + rail_w / 2, g.strap_w)
            via_array(d, "via2", (x - g.strap_w / 2, ry - rail_w / 2, x + g.strap_w / 2,
                                   ry + rail_w / 2), enc2)

    # Signals: drops from the columns, channel tracks, wiring columns to the interfaces, pins.
    m2_min = d.pad_size("met2", False)[1]
    for n, x, lay in drops:
        ch.draw_drop(d, n, x, yc + m2_min / 2, layer=lay, to=column.name)
    ch.draw_tracks(d, left=0.0)
    for n, x, px, py, blk_name in wiring:
        ch.draw_column(d, n, x, yt + py, px, to=blk_name)
    pins_out = ch.draw_left_pins(d)
    ports = list(pins_out)
    power_pins(d, margin, rail_w, (("VGND", y_gnd0), ("VPWR", y_pwr0)))
    d.rect("boundary", (0, 0, width, height))
    lib.add(top)

    # Reference netlist: columns and interfaces as subcircuits, wired by the plan.
    subckts = merge_subckts([column.cdl, iface.cdl,
                             *(b.cdl for b in (logic, drivers, repeaters) if b)])
    lines = [f"* data memory array {name} generated by taalas-flow", *subckts.values(),
             f".SUBCKT {name} {' '.join(ports + list(POWER))}"]
    for ci in cols:
        lines.append(f"Xcol{ci} " + " ".join(
            p if p in POWER else column_net(ci, p, driven)
            for p in subckt_pins(subckts[column.name])) + f" {column.name}")
        lines.append(f"Xif{ci} " + " ".join(
            p if p in POWER else cdl_net(interface_net(plan, ci, p, span))
            for p in subckt_pins(subckts[iface.name])) + f" {iface.name}")
    if logic is not None:
        lines.append("Xlogic " + " ".join(
            p if p in POWER else logic_net(plan, p)
            for p in subckt_pins(subckts[logic.name])) + f" {logic.name}")
    if drivers is not None:
        lines.append("Xdrv " + " ".join(
            p if p in POWER else driver_net(p, stripe, stripes)
            for p in subckt_pins(subckts[drivers.name])) + f" {drivers.name}")
    lines.append("Xrep " + " ".join(
        p if p in POWER else cdl_net(driver_net(p, stripe, stripes))
        for p in subckt_pins(subckts[repeaters.name])) + f" {repeaters.name}")
    lines += [".ENDS", ""]
    metrics = {"columns": len(cols), "width_um": width, "height_um": height,
               "area_um2": width * height, "channel_tracks": ch.n_tracks,
               "channel_um": ch.top - ch.y0, "interface_width_um": iface.width,
               "logic_width_um": logic.width if logic else 0.0,
               "logic_height_um": logic.height if logic else 0.0,
               "interface_height_um": iface.height, "ports": len(ports),
               "drivers_width_um": drivers.width if drivers else 0.0,
               "repeaters_width_um": repeaters.width}
    blk = BlockLayout(name, lib, "\n".join(lines), width, height, metrics, ports=pins_out,
                      wires=ch.wires, cuts=ch.cuts,
                      tracks={n: ch.track_span(n, left=0.0) for n in ch.extent},
                      branches=ch.branches)
    blk.net_pf = wire_tables(pdk, blk, column, iface,
                             *(b for b in (logic, drivers, repeaters) if b))
    # the stripe's own nets (the drivers' outputs, its read bus, the banks' write enables,
    # a logic output only this stripe uses): their wire is part of what drives them
    own = blk.net_pf[name]
    own.update({n: net_rc(pdk, blk, n)[1] for n in blk.wires if n not in own})
    return blk
