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
- the global read bus G_<p>, the predecoded column lines SH_/SL_ and the write enables WEB
  of the banks run the channel's full length and leave at its left end.

The reference netlist for LVS comes from the same plan (which column gets which column
lines), not from the drawing.
"""

from __future__ import annotations

import re

import gdstk

from taalas_flow.chip.channel import Channel, ChannelNet
from taalas_flow.chip.rom_port import _via_array
from taalas_flow.errors import InputError
from taalas_flow.layout.cdl import cdl_subckts, subckt_pins
from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, TrackGeometry, cdl_names
from taalas_flow.regfile.memory import MemoryPlan

# A column's own ports (met2 pins, one per bank): build_column names them <port>_<bank>.
COLUMN_OWN = re.compile(r"(WE|RE_[A-Z])_(\d+)")
BIT_LINE = re.compile(r"RD_[A-Z]_\d+_")
POWER = ("VGND", "VPWR", "VNB")


def column_net(c: int, pin: str) -> str:
    """The array net a column's pin is on."""
    m = COLUMN_OWN.fullmatch(pin)
    if m and m.group(1) == "WE":
        return f"c{c}_{pin}"
    if BIT_LINE.fullmatch(pin):
        return f"c{c}_{pin}"
    return pin


def interface_net(plan: MemoryPlan, c: int, pin: str) -> str:
    """The array net an interface's pin (CDL spelling) is on."""
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
                name: str, columns: range | None = None) -> BlockLayout:
    """`column` from build_column, `iface` from build_interface; `columns` (default: all of the
    plan's) are the plan's column indices this array holds, left to right."""
    cols = list(columns if columns is not None else range(plan.columns))
    c = pdk.data["chip"]
    g = TrackGeometry.of(pdk)
    margin, ring_w, rail_w, gap = (float(c[k]) for k in ("edge_margin", "ring_w", "rail_w",
                                                          "gap"))
    col_cell = next(cl for cl in column.lib.cells if cl.name == column.name)
    if_cell = next(cl for cl in iface.lib.cells if cl.name == iface.name)
    if_spell = cdl_names(sorted(iface.ports))
    met2_pins = {p for p in column.ports if COLUMN_OWN.fullmatch(p)}
    inputs = sorted((p for p, (x, _y) in iface.ports.items() if x == 0.0),
                    key=lambda p: -iface.ports[p][1])
    outputs = sorted((p for p, (x, _y) in iface.ports.items() if x != 0.0),
                     key=lambda p: -iface.ports[p][1])

    pitch = snap(column.width + gap)
    x_left = snap(margin + ring_w + gap)
    nets: dict[str, ChannelNet] = {}

    def net(n: str) -> ChannelNet:
        return nets.setdefault(n, ChannelNet(n))

    # Per column: where it sits, its drops, its interface and the interface's wiring columns.
    drops: list[tuple[str, float, str]] = []               # net, x, layer
    wiring: list[tuple[str, float, float, float]] = []     # net, column x, pin x, pin y (interface)
    if_x: list[float] = []
    for i, ci in enumerate(cols):
        xc = snap(x_left + i * pitch)
        blocked = []
        for p, (px, _py) in column.ports.items():
            n = column_net(ci, p)
            lay = "met2" if p in met2_pins else "met4"
            drops.append((n, snap(xc + px), lay))
            net(n).drops.append(snap(xc + px))
            if lay == "met4":
                blocked.append(snap(xc + px))
        xt = snap(xc + round((column.width - iface.width) / 2 / g.site) * g.site)
        if_x.append(xt)
        left = _free_m4(g, xt - gap - g.m4_w / 2, -g.m4_pitch, xc + g.m4_w, len(inputs),
                        blocked)
        right = _free_m4(g, xt + iface.width + gap + g.m4_w / 2, g.m4_pitch,
                         xc + column.width - g.m4_w, len(outputs), blocked)
        if len(left) < len(inputs) or len(right) < len(outputs):
            raise InputError(f"{name}: the interface's wiring columns do not fit beside it under "
                             f"column {ci} ({len(left)}/{len(inputs)} left, "
                             f"{len(right)}/{len(outputs)} right)",
                             "make the interface narrower (more rows) or the column wider")
        for p, x in zip(inputs + outputs, left + right, strict=True):
            n = interface_net(plan, ci, if_spell[p])
            px, py = iface.ports[p]
            wiring.append((n, x, xt + px, py))
            net(n).drops.append(x)
    own = {column_net(ci, p) for ci in cols for p in column.ports}
    own |= {interface_net(plan, ci, if_spell[p]) for ci in cols for p in iface.ports}
    local = {n for n in own if n.startswith("c") and re.match(r"c\d+_", n)}
    for n in own - local:
        net(n).left_exit = True

    # y positions, bottom up: rails, interfaces, channel, columns, rails.
    y_gnd0 = margin + rail_w / 2
    y_pwr0 = y_gnd0 + rail_w + gap
    yt = snap(y_pwr0 + rail_w / 2 + gap + g.strap_w)
    ch = Channel(pdk, snap(yt + iface.height + gap))
    ch.assign([nets[n] for n in sorted(nets)])
    yc = snap(ch.top + gap)
    y_pwr1 = snap(yc + column.height + gap + g.strap_w + rail_w / 2)
    y_gnd1 = y_pwr1 + rail_w + gap
    height = snap(y_gnd1 + rail_w / 2 + margin)
    width = snap(x_left + len(cols) * pitch + ring_w + margin)

    top = gdstk.Cell(name)
    d = Drawer(pdk, top)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    have: set[str] = set()
    for cell in [*column.lib.cells, *iface.lib.cells]:
        if cell.name not in have:
            have.add(cell.name)
            lib.add(cell)
    for i, xt in enumerate(if_x):
        top.add(gdstk.Reference(col_cell, (snap(x_left + i * pitch), yc)))
        top.add(gdstk.Reference(if_cell, (xt, yt)))

    # Power: rails, ring, straps into the rails.
    for y in (y_gnd0, y_pwr0, y_pwr1, y_gnd1):
        d.hwire("met3", margin, width - margin, y, rail_w)
    v3, v2 = pdk.data["vias"]["via3"], pdk.data["vias"]["via2"]
    enc3 = max(v3["enc_below"][1], v3["enc_above"][1])
    enc2 = max(v2["enc_below"][1], v2["enc_above"][1])
    for xr, ys in ((margin + ring_w / 2, (y_gnd0, y_gnd1)),
                   (width - margin - ring_w / 2, (y_pwr0, y_pwr1))):
        d.vwire("met4", xr, ys[0] - rail_w / 2, ys[1] + rail_w / 2, ring_w)
        for y in ys:
            _via_array(d, "via3", (xr - ring_w / 2, y - rail_w / 2, xr + ring_w / 2,
                                   y + rail_w / 2), enc3)
    for i, xt in enumerate(if_x):
        for n, sx in iface.straps:
            ry = y_gnd0 if n == "VGND" else y_pwr0
            x = xt + sx
            d.vwire("met2", x, ry - rail_w / 2, yt, g.strap_w)
            _via_array(d, "via2", (x - g.strap_w / 2, ry - rail_w / 2, x + g.strap_w / 2,
                                   ry + rail_w / 2), enc2)
        xc = snap(x_left + i * pitch)
        for n, sx in column.straps:
            ry = y_pwr1 if n == "VPWR" else y_gnd1
            x = xc + sx
            d.vwire("met2", x, yc + column.height - 0.5, ry + rail_w / 2, g.strap_w)
            _via_array(d, "via2", (x - g.strap_w / 2, ry - rail_w / 2, x + g.strap_w / 2,
                                   ry + rail_w / 2), enc2)

    # Signals: drops from the columns, channel tracks, wiring columns to the interfaces, pins.
    m2_min = d.pad_size("met2", False)[1]
    for n, x, lay in drops:
        ch.draw_drop(d, n, x, yc + m2_min / 2, layer=lay)
    ch.draw_tracks(d, left=0.0)
    for n, x, px, py in wiring:
        ch.draw_column(d, n, x, yt + py, px)
    ports = sorted(n for n, nt in nets.items() if nt.left_exit)
    pins_out: dict[str, tuple[float, float]] = {}
    for n in ports:
        y = ch.track_y(n)
        d.rect("met3", (0.0, y - g.m3_w / 2, g.m3_w, y + g.m3_w / 2), "pin")
        d.label("met3", n, g.m3_w / 2, y)
        pins_out[n] = (0.0, y)
    for n, y in (("VGND", y_gnd0), ("VPWR", y_pwr0)):
        d.rect("met3", (margin, y - rail_w / 2, margin + rail_w, y + rail_w / 2), "pin")
        d.label("met3", n, margin + rail_w / 2, y)
    d.rect("boundary", (0, 0, width, height))
    lib.add(top)

    # Reference netlist: columns and interfaces as subcircuits, wired by the plan.
    subckts: dict[str, str] = {}
    for text in (column.cdl, iface.cdl):
        for k, v in cdl_subckts(text).items():
            subckts.setdefault(k, v)
    lines = [f"* data memory array {name} generated by taalas-flow", *subckts.values(),
             f".SUBCKT {name} {' '.join(ports + list(POWER))}"]
    for ci in cols:
        lines.append(f"Xcol{ci} " + " ".join(
            p if p in POWER else column_net(ci, p)
            for p in subckt_pins(subckts[column.name])) + f" {column.name}")
        lines.append(f"Xif{ci} " + " ".join(
            p if p in POWER else interface_net(plan, ci, p)
            for p in subckt_pins(subckts[iface.name])) + f" {iface.name}")
    lines += [".ENDS", ""]
    metrics = {"columns": len(cols), "width_um": width, "height_um": height,
               "area_um2": width * height, "channel_tracks": ch.n_tracks,
               "channel_um": ch.top - ch.y0, "interface_width_um": iface.width,
               "interface_height_um": iface.height, "ports": len(ports)}
    return BlockLayout(name, lib, "\n".join(lines), width, height, metrics, ports=pins_out)
