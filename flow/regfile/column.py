"""A column of register-file banks: copies of one bank stacked by abutment, so the ports that
run through the bank (clock, addresses, write data, read bit lines) join without wiring, and
each bank's own enables (WE, RE_<p>) brought down a met2 channel on the left to the column's
bottom edge. The netlist is written from the same description, for LVS."""

from __future__ import annotations

import math

import gdstk

from taalas_flow.layout.cdl import cdl_subckts, subckt_pins
from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, TrackGeometry, cdl_names
from taalas_flow.pnr.parasitics import tech_rc, wire_tables
from taalas_flow.regfile.layout import OWN_PORTS


def build_column(pdk: PdkConfig, bank: BlockLayout, n: int, name: str) -> BlockLayout:
    """`bank` must have been built with its shared ports through (regfile.layout)."""
    r = pdk.data["routing"]
    m2_pitch = float(r["met2"]["pitch"])
    # Port positions by the CDL/label spelling of their names (WA[0] -> WA_0_).
    spell = cdl_names(sorted(bank.ports))
    at = {spell[p]: xy for p, xy in bank.ports.items()}
    own = sorted(p for p in at if OWN_PORTS.fullmatch(p))
    shared = sorted(p for p in at if p not in own)
    margin = float(pdk.data["chip"]["gap"])
    site = float(pdk.data["site"]["width"])
    x0 = snap(math.ceil((2 * margin + len(own) * n * m2_pitch) / site) * site)

    top = gdstk.Cell(name)
    d = Drawer(pdk, top)
    cell = next(c for c in bank.lib.cells if c.name == bank.name)
    for k in range(n):
        top.add(gdstk.Reference(cell, (x0, snap(k * bank.height))))
    height = snap(n * bank.height)
    width = snap(x0 + bank.width)

    # Own enables: met2 from the bottom edge up to the bank's met3 pin, met3 across to it.
    m3_w = max(d.pad_size("met3", True)[1], d.width("met3"))
    m2_min = d.pad_size("met2", False)[1]
    col_ports: list[str] = []
    wire_x: dict[str, float] = {}
    metals, _ = tech_rc(pdk)
    m4_w = TrackGeometry.of(pdk).m4_w      # the width pnr/block draws a through trunk at
    # each pin's resistance from the column's bottom edge to the bank farthest up it
    port_ohm: dict[str, float] = {}
    for k in range(n):
        for j, p in enumerate(own):
            net = f"{p}_{k}"
            x = snap(margin + (k * len(own) + j) * m2_pitch + m2_pitch / 2)
            px, py = at[p]
            y = snap(k * bank.height + py)
            d.vwire("met2", x, 0.0, y)
            d.pad("met2", x, y, horizontal=False)
            d.cut("via2", x, y)
            d.pad("met3", x, y)
            d.hwire("met3", x, x0 + px + m3_w, y, m3_w)
            port_ohm[net] = (metals["met2"].r(d.width("met2"), y)
                             + metals["met3"].r(m3_w, x0 + px + m3_w - x))
            d.rect("met2", (x - d.width("met2") / 2, 0.0, x + d.width("met2") / 2, m2_min),
                   "pin")
            d.label("met2", net, x, m2_min / 2)
            wire_x[net] = x
            col_ports.append(net)
    # Shared ports: pinned where bank 0 pins them (met4 at its bottom edge), a met4 line
    # through every bank (pnr/block's through trunks), the last bank's tap at its top at most.
    w4 = float(r["met4"]["width"])
    m4_min = d.pad_size("met4", False)[1]
    for p in shared:
        port_ohm[p] = metals["met4"].r(m4_w, n * bank.height)
        px, _py = at[p]
        d.rect("met4", (x0 + px - w4 / 2, 0.0, x0 + px + w4 / 2, m4_min), "pin")
        d.label("met4", p, x0 + px, m4_min / 2)
        col_ports.append(p)
    for net_name, sx in bank.straps[:2]:
        d.label("met2", net_name, x0 + sx, bank.height / 2)
    d.rect("boundary", (0, 0, width, height))

    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    lib.add(top, *bank.lib.cells)
    bank_pins = subckt_pins(cdl_subckts(bank.cdl)[bank.name])
    lines = [bank.cdl.rstrip(), f"* column {name}: {n} x {bank.name}",
             f".SUBCKT {name} {' '.join(col_ports)} VGND VPWR VNB"]
    for k in range(n):
        conns = [f"{p}_{k}" if OWN_PORTS.fullmatch(p) else p for p in bank_pins]
        lines.append(f"Xbank{k} {' '.join(conns)} {bank.name}")
    lines += [".ENDS", ""]
    ports = {p: (wire_x[p], 0.0) for p in col_ports if p in wire_x}
    ports.update({p: (x0 + at[p][0], 0.0) for p in shared})
    metrics = {"banks": n, "width_um": width, "height_um": height,
               "channel_um": x0, "area_um2": width * height, "port_ohm": port_ohm}
    blk = BlockLayout(name, lib, "\n".join(lines), width, height, metrics, ports=ports,
                      straps=[(nn, x0 + sx) for nn, sx in bank.straps])
    # the banks' own wiring of the ports that run through them (the short met2/met3 enables
    # drawn here are not priced)
    blk.net_pf = wire_tables(pdk, blk, bank)
    return blk
