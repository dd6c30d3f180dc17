"""The data memory folded into stripes stacked on each other, so a memory of many columns
makes a block of a shape a die can hold (one stripe of the tiny-llama memory is 20 mm wide).

Each stripe is an array (regfile/array.py) of consecutive columns whose shared nets all leave
at its left edge; the first stripe also holds the global logic. To the stripes' left, a bus:
one met4 line per net (bottom to top across the stripes that use it), met3 stubs from each
stripe's edge pins to it, and the memory's ports (the RTL's) pinned on met4 at the bottom
edge. Further left, two met4 spines (VGND, VPWR) take every stripe's rails. Wiring is planar
per layer: met3 stubs at the stripes' distinct pin heights, met4 lines at distinct x."""

from __future__ import annotations

import math
from dataclasses import asdict

import gdstk

from taalas_flow.chip.channel import Branch
from taalas_flow.chip.rom_port import via_array, via_enclosure
from taalas_flow.chip.wires import CdlDrivers
from taalas_flow.layout.cdl import merge_subckts, subckt_pins
from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, TrackGeometry
from taalas_flow.pnr.parasitics import wire_tables
from taalas_flow.regfile.array import POWER, build_array
from taalas_flow.regfile.drivers import driver_loads, interface_loads
from taalas_flow.regfile.logic_loads import logic_loads, logic_outputs, logic_port_nets
from taalas_flow.regfile.memory import ENGINE_PORT, MemoryPlan
from taalas_flow.regfile.periphery import periphery
from taalas_flow.regfile.read_bus import chain_loads, link_loads
from taalas_flow.rom.liberty import PdkLiberty


def stripe_columns(plan: MemoryPlan, stripes: int) -> list[range]:
    """Consecutive columns per stripe, as even as they divide."""
    per = math.ceil(plan.columns / stripes)
    return [range(a, min(a + per, plan.columns)) for a in range(0, plan.columns, per)]


def default_stripes(pdk: PdkConfig, plan: MemoryPlan, column: BlockLayout,
                    iface: BlockLayout) -> int:
    """Stripes that make the folded memory closest to square: a stripe is a column, its
    interface and the channel between them tall (the channel estimated at one track per
    column and interface pin) and its columns wide."""
    g = TrackGeometry.of(pdk)
    gap = float(pdk.data["chip"]["gap"])
    channel = (len(column.ports) + len(iface.ports)) * g.m3_pitch
    tall = column.height + iface.height + channel
    wide = plan.columns * (column.width + gap)
    return max(1, min(plan.columns, round(math.sqrt(wide / tall))))


def build_folded(pdk: PdkConfig, plan: MemoryPlan, column: BlockLayout, iface: BlockLayout,
                 logic: BlockLayout, name: str, stripes: int,
                 drivers: BlockLayout | None = None, *, repeaters: BlockLayout
                 ) -> BlockLayout:
    """`drivers` (regfile/drivers.py): each stripe re-drives its inputs with a copy;
    `repeaters`: each stripe's, ending its read chains and linking them to the stripe
    below's (regfile/read_bus.py)."""
    columns = stripe_columns(plan, stripes)
    c = pdk.data["chip"]
    g = TrackGeometry.of(pdk)
    margin, ring_w, rail_w, gap = (float(c[k]) for k in ("edge_margin", "ring_w", "rail_w",
                                                          "gap"))
    parts = [build_array(pdk, plan, column, iface, f"{name}_s{s}", cols,
                         logic=logic if s == 0 else None, export=True, drivers=drivers,
                         repeaters=repeaters, stripe=s, stripes=len(columns))
             for s, cols in enumerate(columns)]

    # Bus lines: every net at the edge of two stripes or more, and the memory's ports (those
    # also reach the bottom edge).
    uses = {n: sum(n in p.ports for p in parts) for p in parts for n in p.ports}
    nets = sorted(n for n, k in uses.items() if k > 1 or ENGINE_PORT.fullmatch(n))
    x_gnd = margin + ring_w / 2
    x_pwr = x_gnd + ring_w + gap
    x_bus = snap(x_pwr + ring_w / 2 + gap)
    bus_x = {n: snap(x_bus + (k + 0.5) * g.m4_pitch) for k, n in enumerate(nets)}
    xs = snap(math.ceil((x_bus + len(nets) * g.m4_pitch + gap) / g.site) * g.site)
    m4_min = Drawer(pdk, gdstk.Cell("_")).pad_size("met4", False)[1]
    y0 = snap(margin + m4_min + 4 * g.m3_pitch)    # room under the first stripe's stubs
    ys, y = [], y0
    for p in parts:
        ys.append(y)
        y = snap(y + p.height)
    height = snap(y + margin)
    width = snap(xs + max(p.width for p in parts) + margin)

    top = gdstk.Cell(name)
    d = Drawer(pdk, top)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    have: set[str] = set()
    for p in parts:
        for cell in p.lib.cells:
            if cell.name not in have:
                have.add(cell.name)
                lib.add(cell)
        top.add(gdstk.Reference(next(cl for cl in p.lib.cells if cl.name == p.name),
                                (xs, ys[parts.index(p)])))

    # Power spines and each stripe's rails out to them (bottom and top pair of rails).
    enc3 = via_enclosure(pdk, "via3")
    for xr in (x_gnd, x_pwr):
        d.vwire("met4", xr, margin, height - margin, ring_w)
    for p, yp in zip(parts, ys, strict=True):
        rails = {"VGND": [margin + rail_w / 2, p.height - margin - rail_w / 2],
                 "VPWR": [margin + 1.5 * rail_w + gap, p.height - margin - 1.5 * rail_w - gap]}
        for n, xr in (("VGND", x_gnd), ("VPWR", x_pwr)):
            for ry in rails[n]:
                d.hwire("met3", xr - ring_w / 2, xs + margin + rail_w, yp + ry, rail_w)
                via_array(d, "via3", (xr - ring_w / 2, yp + ry - rail_w / 2, xr + ring_w / 2,
                                       yp + ry + rail_w / 2), enc3)

    # Bus lines, stubs, bottom pins.
    ports = sorted(n for n in nets if ENGINE_PORT.fullmatch(n))
    wires: dict[str, dict[tuple[str, float], float]] = {}
    cuts: dict[str, dict[str, int]] = {}
    # each bus line as a trunk (y from, y to, width) with a branch per stripe, its stub
    # (regfile/periphery.py times a net through them)
    tracks: dict[str, tuple[float, float, float]] = {}
    branches: dict[str, list[Branch]] = {}
    for n in nets:
        x = bus_x[n]
        at = [(p.name, yp + p.ports[n][1]) for p, yp in zip(parts, ys, strict=True)
              if n in p.ports]
        taps = [ty for _s, ty in at]
        lo = 0.0 if n in ports else min(taps) - g.via3_end
        d.vwire("met4", x, lo, max(taps) + g.via3_end, g.m4_w)
        stub = xs + g.m3_w - (x - g.via2_half)
        wires[n] = {("met4", g.m4_w): max(taps) + g.via3_end - lo,
                    ("met3", g.m3_w): len(taps) * stub}
        cuts[n] = {"via3": len(taps)}
        tracks[n] = (lo, max(taps) + g.via3_end, g.m4_w)
        branches[n] = [Branch(ty, s, {("met3", g.m3_w): stub}, {"via3": 1}) for s, ty in at]
        for ty in taps:
            d.cut("via3", x, ty)
            d.hwire("met3", x - g.via2_half, xs + g.m3_w, ty, g.m3_w)
        if n in ports:
            d.rect("met4", (x - g.m4_w / 2, 0.0, x + g.m4_w / 2, m4_min), "pin")
            d.label("met4", n, x, m4_min / 2)
    for n, xr in (("VGND", x_gnd), ("VPWR", x_pwr)):
        d.vwire("met4", xr, 0.0, margin, ring_w)
        d.rect("met4", (xr - ring_w / 2, 0.0, xr + ring_w / 2, m4_min), "pin")
        d.label("met4", n, xr, m4_min / 2)
    d.rect("boundary", (0, 0, width, height))
    lib.add(top)

    subckts = merge_subckts(p.cdl for p in parts)
    lines = [f"* data memory {name} ({len(parts)} stripes) generated by taalas-flow",
             *subckts.values(), f".SUBCKT {name} {' '.join(ports + list(POWER))}"]
    for s, p in enumerate(parts):
        lines.append(f"Xs{s} {' '.join(subckt_pins(subckts[p.name]))} {p.name}")
    lines += [".ENDS", ""]
    metrics = {"stripes": len(parts), "width_um": width, "height_um": height,
               "area_um2": width * height, "bus_lines": len(nets),
               "stripe_widths_um": [p.width for p in parts],
               "channel_tracks": max(p.metrics["channel_tracks"] for p in parts)}
    # straps: the power spines (met4, chip.ring_w wide, pinned at the bottom edge)
    blk = BlockLayout(name, lib, "\n".join(lines), width, height, metrics,
                      ports={n: (bus_x[n], 0.0) for n in ports},
                      straps=[("VGND", x_gnd), ("VPWR", x_pwr)], wires=wires, cuts=cuts,
                      tracks=tracks, branches=branches)
    blk.net_pf = wire_tables(pdk, blk, *parts)
    # what the read bus and the drivers' outputs meet, from one walk of the memory's CDL
    walk, lib = CdlDrivers(pdk, blk.cdl, blk.net_pf), PdkLiberty(pdk, "tt")
    blk.metrics["read_links"] = {n: asdict(ld)
                                 for n, ld in link_loads(pdk, blk, parts, walk, lib).items()}
    blk.metrics["read_chain"] = {
        s: {n: asdict(ld) for n, ld in by.items()}
        for s, by in chain_loads(pdk, walk, lib, parts).items()}
    blk.metrics["chain_links"] = max(len(cols) for cols in columns)
    outs = [n for n in logic_outputs(logic, logic_port_nets(plan, logic))
            if not ENGINE_PORT.fullmatch(n)]
    blk.metrics["logic_loads"] = {
        n: asdict(ld) for n, ld in logic_loads(pdk, blk, parts, outs, walk, lib).items()}
    # a column's pins up to its banks (build_column's port_ohm)
    up = {column.name: column.metrics["port_ohm"]}
    blk.metrics["interface_loads"] = {
        s: {n: asdict(ld) for n, ld in by.items()}
        for s, by in interface_loads(pdk, walk, lib, parts, iface, up).items()}
    if drivers is not None:
        blk.metrics["driver_loads"] = {
            s: {n: asdict(ld) for n, ld in by.items()}
            for s, by in driver_loads(pdk, walk, lib, parts, up).items()}
    # every port through the memory's bus and its stripe's channel, for the chip's paths
    blk.metrics["periphery"] = periphery(pdk, blk, parts, logic.name, walk, lib)
    return blk
