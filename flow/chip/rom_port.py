"""One ROM port as layout: its bank macros side by side, the port logic laid out as a block
below them, power rails and ring, and every net on fixed tracks. It is the chip top's wiring
pattern at the size of one port, signed off on its own.

Floorplan, bottom to top: met3 power rails (VGND, VPWR); the logic block, with a column area
on its left; the channel; the banks; the top rails (VPWR, VGND). Met4 ring straps join the
rails: VGND on the left, VPWR on the right. The block's and the banks' met2 straps run on
into the rails. Wiring (chip/channel.py) is planar per layer by construction:

- a net on the banks' bottom edge drops on met2 from the pin to its own met3 channel track;
  a bank's met3 CLK pin first runs right past the bank's edge, then drops;
- a net into the block runs down a met4 column (one per net) to the port's y, then on met3
  to the block's edge pin; the macros' clock MCLK, which the block drives from CLK through
  its clock buffer (pdk `chip.rom_clock_cell`), comes up a met4 column right of the block;
- the port's pins: ADDR, CLK and EN leave on their channel tracks at the left edge, DOUT on
  the block's output tracks at the right edge.

The reference netlist for LVS comes from the same description (banks, bank width, address
width), not from the drawing.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import gdstk

from taalas_flow.chip.channel import Channel, ChannelNet
from taalas_flow.engine.rom_macros import MacroShape
from taalas_flow.layout.cdl import merge_subckts, subckt_pins
from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, TrackGeometry, cdl_names
from taalas_flow.pnr.parasitics import wire_tables
from taalas_flow.rom.lef import macro_pins
from taalas_flow.rom.predecode import PredecodePlan

STD_PREFIX = "sky130_fd_sc_hd__"
# The port logic's output that clocks the macros (PRE and CLK): CLK through its clock buffer.
CLOCK_OUT = "MCLK"


def via_array(d: Drawer, cut: str, r: tuple[float, float, float, float],
               enc: float) -> None:
    """Cuts on the via pitch filling rectangle r less `enc` on every side."""
    v = d.vias[cut]
    p = v["size"] + v["spacing"]
    x0, y0, x1, y1 = r
    nx = max(1, int((x1 - x0 - 2 * enc - v["size"]) / p + 1e-9) + 1)
    ny = max(1, int((y1 - y0 - 2 * enc - v["size"]) / p + 1e-9) + 1)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for i in range(nx):
        for j in range(ny):
            d.cut(cut, cx + (i - (nx - 1) / 2) * p, cy + (j - (ny - 1) / 2) * p)


def via_enclosure(pdk: PdkConfig, cut: str) -> float:
    """The larger end enclosure of a cut by the metals below and above: what a via array
    keeps from the edge of the rectangle it fills."""
    v = pdk.data["vias"][cut]
    return max(v["enc_below"][1], v["enc_above"][1])


def rails_and_ring(d: Drawer, width: float, rails: tuple[float, float, float, float]) -> None:
    """Met3 power rails across a block at (VGND, VPWR) bottom and (VPWR, VGND) top, joined
    by met4 ring straps: VGND on the left, VPWR on the right (pdk_configs `chip`)."""
    c = d.pdk.data["chip"]
    margin, ring_w, rail_w = (float(c[k]) for k in ("edge_margin", "ring_w", "rail_w"))
    y_gnd0, y_pwr0, y_pwr1, y_gnd1 = rails
    for y in rails:
        d.hwire("met3", margin, width - margin, y, rail_w)
    enc3 = via_enclosure(d.pdk, "via3")
    for xr, ys in ((margin + ring_w / 2, (y_gnd0, y_gnd1)),
                   (width - margin - ring_w / 2, (y_pwr0, y_pwr1))):
        d.vwire("met4", xr, ys[0] - rail_w / 2, ys[1] + rail_w / 2, ring_w)
        for y in ys:
            via_array(d, "via3", (xr - ring_w / 2, y - rail_w / 2, xr + ring_w / 2,
                                  y + rail_w / 2), enc3)


def straps_down(d: Drawer, block: BlockLayout, x: float, y: float,
                rails: dict[str, float], reach: float = 0.0) -> None:
    """A block's met2 power straps (block at x, bottom edge at y) run down into the rail of
    their net below it (rail centre y by net), via2 arrays there; `reach` runs them that
    far into the block too."""
    g = TrackGeometry.of(d.pdk)
    rail_w = float(d.pdk.data["chip"]["rail_w"])
    enc2 = via_enclosure(d.pdk, "via2")
    for n, sx in block.straps:
        ry, sx = rails[n], x + sx
        d.vwire("met2", sx, ry - rail_w / 2, y + reach, g.strap_w)
        via_array(d, "via2", (sx - g.strap_w / 2, ry - rail_w / 2, sx + g.strap_w / 2,
                              ry + rail_w / 2), enc2)


def power_pins(d: Drawer, margin: float, rail_w: float,
               rails: tuple[tuple[str, float], ...]) -> None:
    """A met3 pin at the left end of each power rail (net, rail centre y)."""
    for n, y in rails:
        d.rect("met3", (margin, y - rail_w / 2, margin + rail_w, y + rail_w / 2), "pin")
        d.label("met3", n, margin + rail_w / 2, y)


def build_rom_port(pdk: PdkConfig, kind: str, shape: MacroShape,
                   banks: dict[str, tuple[gdstk.Library, str]], logic: BlockLayout,
                   name: str) -> BlockLayout:
    """`banks`: each bank macro's library and CDL (rom_macro), in bank order; `logic`: the
    port's `_logic` module laid out by build_block. The port is returned as a block of its
    own: GDS, CDL, size, metrics and its edge pins in `ports`."""
    c = pdk.data["chip"]
    g = TrackGeometry.of(pdk)
    margin, ring_w, rail_w, gap = (float(c[k]) for k in ("edge_margin", "ring_w", "rail_w",
                                                          "gap"))
    bank_w = shape.width // shape.banks
    addr_w = PredecodePlan(shape.rows, shape.mux).address_bits
    bank_cells = {b: next(cl for cl in lib.cells if cl.name == b) for b, (lib, _) in banks.items()}
    bank_pins = {b: macro_pins(pdk, cell) for b, cell in bank_cells.items()}
    sizes = {b: cell.bounding_box() for b, cell in bank_cells.items()}

    # Nets of the port and where they touch the channel.
    nets: dict[str, ChannelNet] = {}

    def net(n: str) -> ChannelNet:
        return nets.setdefault(n, ChannelNet(n))

    for a in range(addr_w):
        net(f"ADDR_{a}").left_exit = True
    for n in ("CLK", "EN"):
        net(n).left_exit = True
        net(n).column_to = n
    if CLOCK_OUT not in logic.ports or logic.ports[CLOCK_OUT][0] == 0.0:
        raise ValueError(f"{logic.name} has no right-edge pin {CLOCK_OUT} (its clock buffer)")
    for j in range(shape.width):
        net(f"q_{j}").column_to = f"q[{j}]"
    missing = [p for p in [nt.column_to for nt in nets.values() if nt.column_to]
               if p not in logic.ports]
    if missing:
        raise ValueError(f"{logic.name} has no edge pin for {missing[:4]}")

    # x positions: ring | columns | block / banks | right margin.
    n_cols = sum(1 for nt in nets.values() if nt.column_to)
    col_x0 = margin + ring_w + gap
    xb = snap(col_x0 + n_cols * g.m4_pitch + gap)
    bank_x, x = {}, xb
    for b, ((x0, _y0), (x1, _y1)) in sizes.items():
        bank_x[b] = snap(x - x0)
        x = snap(x + (x1 - x0) + float(pdk.data["rom"]["macro_spacing"]))
    mclk_x = snap(xb + logic.width + gap + g.m4_pitch / 2)
    right = max(x - float(pdk.data["rom"]["macro_spacing"]) + float(c["clk_stub"]) + 1.0,
                mclk_x + g.m4_pitch / 2)
    width = snap(right + gap + ring_w + margin)

    # y positions, bottom up: rails, block, channel, banks, rails.
    y_gnd0 = margin + rail_w / 2
    y_pwr0 = y_gnd0 + rail_w + gap
    yb = snap(y_pwr0 + rail_w / 2 + gap + g.strap_w)
    # Terminals on the banks' bottom edge, in port coordinates once the banks' y is known:
    # collect them relative to the bank origin first.
    drops: list[tuple[str, str, float, float]] = []   # net, bank, x, pin bottom y (bank)
    clk_taps: list[tuple[str, float, float, float]] = []  # bank, pin x1, pin y, pin h
    for k, b in enumerate(banks):
        pins = bank_pins[b]
        for a in range(addr_w):
            _, r = pins[f"A{a}"]
            drops.append((f"ADDR_{a}", b, (r[0] + r[2]) / 2, r[1]))
        _, r = pins["PRE"]
        drops.append((CLOCK_OUT, b, (r[0] + r[2]) / 2, r[1]))
        for s in range(bank_w):
            _, r = pins[f"DOUT{s}"]
            drops.append((f"q_{k * bank_w + s}", b, (r[0] + r[2]) / 2, r[1]))
        lay, r = pins["CLK"]
        if lay != "met3":
            raise ValueError(f"{b}: CLK pin on {lay}, the port expects met3")
        clk_taps.append((b, r[2], (r[1] + r[3]) / 2, r[3] - r[1]))
    col_nets = sorted((nt for nt in nets.values() if nt.column_to),
                      key=lambda nt: -logic.ports[nt.column_to][1])
    for i, nt in enumerate(col_nets):
        nt.column_x = snap(xb - gap - (i + 0.5) * g.m4_pitch)
    y_ch0 = snap(yb + logic.height + gap)
    ch = Channel(pdk, y_ch0)
    bank_right = {b: bank_x[b] + sizes[b][1][0] for b in banks}
    for n, b, px, _py in drops:
        net(n).drops.append(bank_x[b] + px)
    for b, _x1, _y, _h in clk_taps:
        net(CLOCK_OUT).drops.append(snap(bank_right[b] + float(c["clk_stub"])))
    net(CLOCK_OUT).column_x = mclk_x
    ch.assign(list(nets.values()))
    y_m = snap(ch.top + gap)
    bank_y = {b: snap(y_m - sizes[b][0][1]) for b in banks}
    bank_h = max(sz[1][1] - sz[0][1] for sz in sizes.values())
    y_pwr1 = snap(y_m + bank_h + gap + g.strap_w + rail_w / 2)
    y_gnd1 = y_pwr1 + rail_w + gap
    height = snap(y_gnd1 + rail_w / 2 + margin)

    top = gdstk.Cell(name)
    d = Drawer(pdk, top)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    have: set[str] = set()
    # The block's cell copies carry rails and are compared as black boxes; the banks' are
    # compared device by device. Same names, different cells: the block's get a prefix.
    pre = str(c["block_prefix"])
    for cell in logic.lib.cells:
        if cell.name.startswith(STD_PREFIX):
            cell.name = pre + cell.name
    block_cell = next(cl for cl in logic.lib.cells if cl.name == logic.name)
    for cell in itertools.chain(logic.lib.cells, *(blib.cells for blib, _ in banks.values())):
        if cell.name not in have:
            have.add(cell.name)
            lib.add(cell)
    top.add(gdstk.Reference(block_cell, (xb, yb)))
    for b in banks:
        top.add(gdstk.Reference(bank_cells[b], (bank_x[b], bank_y[b])))

    # Power: rails, ring, straps into the rails.
    rails_and_ring(d, width, (y_gnd0, y_pwr0, y_pwr1, y_gnd1))
    enc2 = via_enclosure(pdk, "via2")
    straps_down(d, logic, xb, yb, {"VGND": y_gnd0, "VPWR": y_pwr0})
    for b in banks:
        oy = bank_y[b]
        for n in ("VPWR", "VGND"):
            lay, r = bank_pins[b][n]
            if lay != "met2":
                raise ValueError(f"{b}: {n} pin on {lay}, the port expects met2 straps")
            ry = y_pwr1 if n == "VPWR" else y_gnd1
            x0, x1 = bank_x[b] + r[0], bank_x[b] + r[2]
            d.rect("met2", (x0, oy + r[3] - 0.5, x1, ry + rail_w / 2))
            via_array(d, "via2", (x0, ry - rail_w / 2, x1, ry + rail_w / 2), enc2)

    # Signals: drops from the banks, CLK stubs, channel tracks, columns, edge pins.
    for n, b, px, py in drops:
        ch.draw_drop(d, n, bank_x[b] + px, bank_y[b] + py + 0.3,
                     to=f"{b}.PRE" if n == CLOCK_OUT else b)
    for b, x1, py, h in clk_taps:
        oy = bank_y[b]
        xs = snap(bank_right[b] + float(c["clk_stub"]))
        pw, ph = d.pad_size("met3", horizontal=True)
        d.rect("met3", (bank_x[b] + x1 - 0.1, oy + py - h / 2, xs + pw / 2, oy + py + h / 2))
        d.cut("via2", xs, oy + py)
        d.pad("met2", xs, oy + py, horizontal=False)
        ch.draw_drop(d, CLOCK_OUT, xs, oy + py, to=f"{b}.CLK")
    ch.draw_tracks(d, left=0.0)
    for nt in col_nets:
        px, py = logic.ports[nt.column_to]
        ch.draw_column(d, nt.name, nt.column_x, yb + py, xb + px, to=logic.name)
    px, py = logic.ports[CLOCK_OUT]
    ch.draw_column(d, CLOCK_OUT, mclk_x, yb + py, xb + px, to=logic.name)
    names = cdl_names(sorted(logic.ports))
    pins_out: dict[str, tuple[float, float]] = {}
    for a in range(addr_w):
        pins_out[f"ADDR_{a}"] = (0.0, ch.track_y(f"ADDR_{a}"))
    for n in ("CLK", "EN"):
        pins_out[n] = (0.0, ch.track_y(n))
    for j in range(shape.width):
        px, py = logic.ports[f"DOUT[{j}]"]
        d.hwire("met3", xb + px - g.m3_w, width, yb + py, g.m3_w)
        pins_out[f"DOUT_{j}"] = (width, yb + py)
    for n, (x, y) in pins_out.items():
        xi = x + g.m3_w if x == 0 else x - g.m3_w
        d.rect("met3", (min(x, xi), y - g.m3_w / 2, max(x, xi), y + g.m3_w / 2), "pin")
        d.label("met3", n, (x + xi) / 2, y)
    power_pins(d, margin, rail_w, (("VGND", y_gnd0), ("VPWR", y_pwr0)))
    d.rect("boundary", (0, 0, width, height))
    lib.add(top)

    # Reference netlist: the banks and the block as subcircuits, wired as drawn above.
    block_cdl = re.sub(r"\b" + STD_PREFIX, pre + STD_PREFIX, logic.cdl)
    subckts = merge_subckts([blib_cdl for _, blib_cdl in banks.values()] + [block_cdl])
    ports = ([f"ADDR_{a}" for a in range(addr_w)] + ["CLK", "EN"]
             + [f"DOUT_{j}" for j in range(shape.width)] + ["VGND", "VPWR", "VNB"])
    lines = [f"* ROM port {name} ({kind}) generated by taalas-flow", *subckts.values(),
             f".SUBCKT {name} {' '.join(ports)}"]
    for k, b in enumerate(banks):
        conn = {f"A{a}": f"ADDR_{a}" for a in range(addr_w)}
        conn.update({"PRE": CLOCK_OUT, "CLK": CLOCK_OUT, "VGND": "VGND", "VPWR": "VPWR",
                     "VNB": "VNB"})
        conn.update({f"DOUT{s}": f"q_{k * bank_w + s}" for s in range(bank_w)})
        lines.append(f"X{b} {' '.join(conn[p] for p in subckt_pins(subckts[b]))} {b}")
    top_of = {names[p]: (p.replace("[", "_").replace("]", "") if p.startswith(("q[", "DOUT["))
                         else p) for p in logic.ports}
    top_of.update({"VGND": "VGND", "VPWR": "VPWR", "VNB": "VNB"})
    lines.append(f"Xlogic {' '.join(top_of[p] for p in subckt_pins(subckts[logic.name]))} "
                 f"{logic.name}")
    lines += [".ENDS", ""]
    metrics = {"width_um": width, "height_um": height, "area_um2": width * height,
               "channel_tracks": ch.n_tracks, "columns": n_cols,
               "logic_area_um2": logic.width * logic.height,
               "banks_area_um2": sum((s[1][0] - s[0][0]) * (s[1][1] - s[0][1])
                                     for s in sizes.values())}
    blk = BlockLayout(name, lib, "\n".join(lines), width, height, metrics, ports=pins_out,
                      wires=ch.wires, cuts=ch.cuts,
                      tracks={n: ch.track_span(n, left=0.0) for n in ch.extent},
                      branches=ch.branches)
    blk.net_pf = wire_tables(pdk, blk, logic)
    return blk


def logic_source(port_verilog: str, module: str) -> str:
    """The `<module>_logic` part of a rendered ROM port (rom_port.v.j2), on its own: what
    synthesis sees (the port module itself instantiates the bank macros)."""
    start = port_verilog.index("`timescale")
    end = port_verilog.index(f"module {module} (")
    return port_verilog[start:end]


def lay_out_rom_port(pdk: PdkConfig, arch, qm, kind: str, workdir: Path,
                     clock_ns: float) -> tuple[BlockLayout, BlockLayout]:
    """Render, synthesise and lay out one ROM port of an engine: its logic through LibreLane
    synthesis, a port buffer on each output (pnr/buffering.buffer_ports) and build_block,
    its banks through the ROM compiler, then build_rom_port."""
    from taalas_flow.engine.render import render_rom_ports
    from taalas_flow.engine.rom_macros import bank_images, macro_images, pdk_macro_shapes
    from taalas_flow.pnr.block import build_block
    from taalas_flow.pnr.buffering import buffer_ports, clock_out
    from taalas_flow.pnr.netlist import read_gate_netlist
    from taalas_flow.rom.macro import rom_macro
    from taalas_flow.synth import synthesise

    module = f"taalas_engine_{kind}"
    workdir.mkdir(parents=True, exist_ok=True)
    port_v = next(p for p in render_rom_ports(pdk, arch, workdir / "rtl")
                  if p.stem == module)
    logic_v = workdir / f"{module}_logic.v"
    logic_v.write_text(logic_source(port_v.read_text(), module))
    res = synthesise([logic_v], f"{module}_logic", pdk.name, pdk.root, clock_ns, "CLK",
                     workdir, f"{kind}_logic")
    nl = Path(res["run_dir"]) / "final" / "nl" / f"{module}_logic.nl.v"
    # DOUT crosses the chip to the core: millimetres of wire the output mux cannot drive
    net = read_gate_netlist(nl, f"{module}_logic", STD_PREFIX)
    net, _ = buffer_ports(pdk, net, sorted(p for p, k in net.ports.items() if k == "output"))
    # the macros' PRE and CLK: 1.4 pF a port, on the chip's clock net were they not buffered
    net = clock_out(pdk, net, "CLK", CLOCK_OUT, str(pdk.data["chip"]["rom_clock_cell"]))
    logic = build_block(pdk, net)
    shape = pdk_macro_shapes(pdk, arch)[kind]
    img = macro_images(arch, qm)[kind]
    banks = {b: rom_macro(pdk, bits, shape.mux, b)
             for b, bits in bank_images(shape, img).items()}
    return build_rom_port(pdk, kind, shape, banks, logic, module), logic
