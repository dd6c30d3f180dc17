"""The standard-cell library as the generators need it: sizes and li1 pin shapes from the LEF,
layouts from the GDS, transistor netlists from the CDL. Read from the PDK, never copied."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import gdstk

from taalas_flow.errors import InputError
from taalas_flow.pdk import PdkConfig

Rect = tuple[float, float, float, float]
RAILS = {"VGND", "VPWR"}


@dataclass(frozen=True)
class StdCell:
    name: str                        # full name, e.g. sky130_fd_sc_hd__and2_4
    width: float
    height: float
    pins: dict[str, list[Rect]]      # signal pins: li1 rectangles in cell coordinates
    ports: tuple[str, ...]           # CDL subcircuit port order
    directions: dict[str, str]       # LEF DIRECTION of every pin (INPUT, OUTPUT, INOUT)


def _parse_macro(text: str, name: str
                 ) -> tuple[float, float, dict[str, list[Rect]], dict[str, str]]:
    m = re.search(rf"^MACRO {re.escape(name)}\n(.*?)^END {re.escape(name)}\n", text, re.S | re.M)
    if not m:
        raise InputError(f"cell {name} is not in the standard-cell LEF")
    body = m.group(1)
    w, h = map(float, re.search(r"SIZE\s+([\d.]+)\s+BY\s+([\d.]+)", body).groups())
    pins: dict[str, list[Rect]] = {}
    directions: dict[str, str] = {}
    for pin, pbody in re.findall(r"^\s*PIN (\S+)\n(.*?)^\s*END \1\n", body, re.S | re.M):
        d = re.search(r"DIRECTION (\w+)", pbody)
        directions[pin] = d.group(1) if d else "INPUT"
        rects: list[Rect] = []
        layer = None
        for line in pbody.splitlines():
            line = line.strip()
            if line.startswith("LAYER"):
                layer = line.split()[1]
            elif line.startswith("RECT") and layer == "li1":
                x0, y0, x1, y1 = map(float, line.split()[1:5])
                rects.append((x0, y0, x1, y1))
        if rects:
            pins[pin] = rects
    return w, h, pins, directions


class StdCellLibrary:
    """Lazy view of the PDK's sky130_fd_sc_hd: only the cells a generator asks for."""

    def __init__(self, pdk: PdkConfig) -> None:
        self.pdk = pdk
        self.prefix = pdk.data["std_cell_library"] + "__"
        self._cells: dict[str, StdCell] = {}
        self._subckts: dict[str, tuple[str, dict[str, str]]] = {}

    @cached_property
    def _lef(self) -> str:
        return self.pdk.path("cell_lef").read_text()

    @cached_property
    def _cdl(self) -> str:
        return self.pdk.path("cell_cdl").read_text()

    @cached_property
    def _gds(self) -> dict[str, gdstk.Cell]:
        return {c.name: c for c in gdstk.read_gds(str(self.pdk.path("cell_gds"))).cells}

    def full(self, short: str) -> str:
        return short if short.startswith(self.prefix) else self.prefix + short

    def cell(self, short: str) -> StdCell:
        name = self.full(short)
        if name not in self._cells:
            w, h, pins, directions = _parse_macro(self._lef, name)
            m = re.search(rf"^\.SUBCKT {re.escape(name)} (.*)$", self._cdl, re.M)
            if not m:
                raise InputError(f"cell {name} is not in the standard-cell CDL")
            self._cells[name] = StdCell(name, w, h, pins, tuple(m.group(1).split()),
                                        directions)
        return self._cells[name]

    def has(self, short: str) -> bool:
        """Whether the LEF, the CDL and the GDS all have the cell."""
        name = self.full(short)
        return (f"MACRO {name}\n" in self._lef and f".SUBCKT {name} " in self._cdl
                and name in self._gds)

    def gds_cell(self, short: str) -> gdstk.Cell:
        """A copy of the cell's layout (the hd cells are flat), for adding to a library."""
        src = self._gds[self.full(short)]
        out = gdstk.Cell(src.name)
        out.add(*[p.copy() for p in src.polygons], *[lb.copy() for lb in src.labels])
        return out

    def cdl_subckt(self, short: str) -> str:
        return self._subckt(short)[0]

    def rail_shorts(self, short: str) -> dict[str, str]:
        """{output pin: the rail it is shorted to} of a tie cell (conb_1: LO to VGND, HI to
        VPWR), empty for any other cell."""
        return dict(self._subckt(short)[1])

    def _subckt(self, short: str) -> tuple[str, dict[str, str]]:
        """The cell's subcircuit as KLayout's netlist reader takes it, and its rail shorts,
        both read once from the PDK's CDL text."""
        name = self.full(short)
        if name not in self._subckts:
            m = re.search(rf"^\.SUBCKT {re.escape(name)} .*?^\.ENDS", self._cdl, re.S | re.M)
            if not m:
                raise InputError(f"cell {name} is not in the standard-cell CDL")
            shorts = {}
            for a, b in re.findall(r"^[rR]\S*\s+(\S+)\s+(\S+)\s+short\b", m.group(0), re.M):
                if {a, b} & RAILS:
                    pin, rail = (b, a) if a in RAILS else (a, b)
                    shorts[pin] = rail
            # KLayout's netlist reader takes numeric parameters only (`topography=normal` is
            # not), and no resistor without a value: the tie cell's `short`s stay as comments.
            text = re.sub(r"\s+\w+=[A-Za-z]\w*", "", m.group(0))
            text = re.sub(r"^([rR]\S*\s+\S+\s+\S+\s+short\b.*)$", r"* \1", text, flags=re.M)
            self._subckts[name] = (text, shorts)
        return self._subckts[name]

    def has_devices(self, short: str) -> bool:
        """Whether the cell holds a transistor. Tap and fill cells hold none, and the tie
        cell (conb_1) only its outputs' shorts to its rails, which the PDK's LVS deck
        extracts as wires: LVS sees none of them as a device, so netlists leave them out
        (a tie cell's outputs are its rails: rail_shorts)."""
        return any(ln.startswith("M") for ln in self.cdl_subckt(short).splitlines())

    def pin_point(self, short: str, pin: str, y: float | None = None) -> tuple[float, float]:
        """A point for a contact on `pin`: the centre of its largest li1 rectangle, or, when y
        is given, the centre in x of a rectangle spanning that y."""
        rects = self.cell(short).pins[pin]
        if y is not None:
            for r in rects:
                if r[1] <= y <= r[3]:
                    return ((r[0] + r[2]) / 2, y)
            raise InputError(f"{short}.{pin} has no li1 shape at y={y}")
        r = max(rects, key=lambda r: (r[2] - r[0]) * (r[3] - r[1]))
        return ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2)

