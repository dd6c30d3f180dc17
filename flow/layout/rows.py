"""Standard cells placed by coordinates the generator computes, with the bookkeeping LVS needs:
every placed instance records its connections, so the netlist is written from the same data
as the layout."""

from __future__ import annotations

from dataclasses import dataclass, field

import gdstk

from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.layout.stdcells import StdCell, StdCellLibrary

# Bulk pins of the hd cells. The n-wells reach VPWR through the taps; the p-substrate is tied
# to VGND by the taps too, but the PDK's LVS deck models it as one global net VNB (its SUB layer
# is the cells' boundary layer, which the tap cell lacks), so netlists keep VNB as its own pin.
BULK = {"VNB": "VNB", "VPB": "VPWR", "VGND": "VGND", "VPWR": "VPWR"}


@dataclass(frozen=True)
class Placed:
    inst: str
    cell: StdCell
    x: float
    y: float                      # bottom edge of the row the cell sits in
    flip: bool                    # mirrored about the row's centre line (MX): VPWR at bottom
    conns: dict[str, str]

    def point(self, pin: str, lib: StdCellLibrary, y: float | None = None) -> tuple[float, float]:
        """Absolute contact point on a pin; `y` is in the cell's own (unflipped) frame."""
        px, py = lib.pin_point(self.cell.name, pin, y)
        return self.abs(px, py)

    def abs(self, px: float, py: float) -> tuple[float, float]:
        return (snap(self.x + px), snap(self.y + (self.cell.height - py if self.flip else py)))


@dataclass
class Placement:
    lib: StdCellLibrary
    top: gdstk.Cell
    cells: dict[str, gdstk.Cell] = field(default_factory=dict)
    placed: list[Placed] = field(default_factory=list)

    def place(self, short: str, inst: str, x: float, y: float, flip: bool = False,
              **conns: str) -> Placed:
        cell = self.lib.cell(short)
        if cell.name not in self.cells:
            self.cells[cell.name] = self.lib.gds_cell(short)
        origin = (snap(x), snap(y + cell.height) if flip else snap(y))
        self.top.add(gdstk.Reference(self.cells[cell.name], origin, x_reflection=flip))
        missing = set(cell.ports) - set(BULK) - set(conns)
        if missing:
            raise ValueError(f"{inst}: unconnected pins {sorted(missing)}")
        p = Placed(inst, cell, snap(x), snap(y), flip, dict(conns))
        self.placed.append(p)
        return p

    def rails(self, d: Drawer, x0: float, x1: float, y: float, flip: bool) -> dict[str, float]:
        """Met1 follow-pin rails of one row, and li1 rails under them (fill cells carry the
        rail contacts but no li1); returns the y of each rail by net."""
        h = self.lib.cell(self.lib.pdk.data["site"]["tap_cell"]).height
        w = float(self.lib.pdk.data["site"]["rail_width"]) / 2
        ys = {"VGND": y + h if flip else y, "VPWR": y if flip else y + h}
        li = float(self.lib.pdk.data["routing"]["li1"]["width"]) / 2
        for yy in ys.values():
            d.rect("met1", (x0, yy - w, x1, yy + w))
            d.rect("li1", (x0, yy - li, x1, yy + li))
        return ys

    def cdl_instances(self) -> list[str]:
        lines = []
        for p in self.placed:
            if not self.lib.has_devices(p.cell.name):
                continue  # tap, fill, tie: LVS sees nothing of them (has_devices)
            nets = [p.conns.get(port, BULK.get(port)) for port in p.cell.ports]
            lines.append(f"X{p.inst} {' '.join(nets)} {p.cell.name}")
        return lines

    def tie_nets(self) -> dict[str, str]:
        """{net: rail} of the nets a tie cell's output drives: LVS extracts the tie cell's
        shorts as wires, so to it these nets are the rail."""
        return {p.conns[pin]: rail for p in self.placed
                for pin, rail in self.lib.rail_shorts(p.cell.name).items() if pin in p.conns}

    def cdl_subckts(self) -> list[str]:
        return [self.lib.cdl_subckt(n) for n in sorted(self.cells) if self.lib.has_devices(n)]


def fill_row(place: Placement, row: str, x0: float, x1: float, y: float, flip: bool,
             used: list[tuple[float, float]]) -> None:
    """Fill every free site of a row between x0 and x1 with fill_1 cells, putting a tap cell
    at the start of a free run when the last tap is more than the site's `tap_every` um away
    (wells need ties; gaps would break the nwell and implant continuity the cells rely on)."""
    site = float(place.lib.pdk.data["site"]["width"])
    tap = place.lib.pdk.data["site"]["tap_cell"]
    tap_every = float(place.lib.pdk.data["site"]["tap_every"])
    n = round((x1 - x0) / site)
    free = [True] * n
    for a, b in used:
        for i in range(max(0, round((a - x0) / site)), min(n, round((b - x0) / site))):
            free[i] = False
    last_tap = -1e9
    i = 0
    while i < n:
        if not free[i]:
            i += 1
            continue
        x = x0 + i * site
        if x - last_tap > tap_every:
            place.place(tap, f"{row}_tap{i}", x, y, flip)
            last_tap = x
        else:
            place.place("fill_1", f"{row}_fill{i}", x, y, flip)
        i += 1
