"""Address predecoder of a ROM macro: binary address in, the one-hot lines the array's
periphery takes out (field lines F*, word-line enables P0..P3, column selects SEL*).

Why a strip of one gate per row: every gate then reaches its inputs with plain met1 stubs at
fixed heights in its own row (no crossings to resolve), and its output leaves on one met3 track
in that row. The strip stands left of the word-line bank and shares the column periphery's rows
(same heights and orientations, rails joined), so a column select gate sits in the row of the
select cells it drives and the P gates in the precharge rows, right under the P lines.

Address bits, low first: log2(MUX) column bits (SEL), two row bits (P), then the bits of each
predecoded field. The P lines are gated by PRE low, so no word line is on while the bit lines
precharge. Every address bit has its complement from an inverter; a 5-bit column select (MUX 32)
first decodes its two top bits onto four lines Q0..Q3.

Strip, left to right: met2 power straps, the vertical met2 address lines, then per row a tap,
the gate and fill. Row i of the strip is row i of the column periphery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.layout.rows import Placement, fill_row
from taalas_flow.rom.columns import SEL_TE_Y, ColumnGeometry
from taalas_flow.rom.wordline import BankGeometry, DecodePlan

TAP = "tapvpwrvgnd_1"
# Contact heights on each input pin (cell frame, unflipped). Stubs run left from the pins at
# these heights, at least 0.345 um apart: a 0.14 um stub passing another pin's 0.23 um contact
# patch, or another line's 0.26 um via pad, keeps 0.14 um from it; the lowest pad clears the
# rail by 0.14 um too.
PIN_Y = {
    "inv_1": {"A": 1.195},
    "buf_4": {"A": 1.195},
    "and2_1": {"A": 1.6, "B": 1.2},
    "and2_4": {"A": 1.45, "B": 1.08},
    "and3_4": {"A": 1.7, "B": 0.83, "C": 1.24},
    "and4_2": {"A": 1.7, "B": 1.205, "C": 0.86, "D": 0.515},
}
# Output pin and contact height: rightward outputs at the select-enable height, so a column
# select's met3 track meets its SEL line with no jog; leftward outputs (to strip lines) low.
OUT = {"inv_1": ("Y", 0.6), "and2_1": ("X", 0.7)}
OUT_RIGHT_Y = SEL_TE_Y
LINK_Y = 2.1            # the PRE link's met3 track in the top precharge row (cell frame)
# A stub is a minimum-width met1 wire; only at its pin does it widen to the contact patch
# (the mcon's met1 enclosure). A full-height stub would pass a via pad on a line 0.125 um away.
PATCH_H = 0.23
DROP_CLEAR = 0.47       # via2 pad half-height + decoder via1 pad half-height + met2 spacing
SEL_DROP_DX = 0.6       # a select's via down to its SEL line, left of the column controls
AND_BY_INPUTS = {1: "buf_4", 2: "and2_4", 3: "and3_4", 4: "and4_2"}


@dataclass(frozen=True)
class Gate:
    cell: str
    out: str                     # output net
    ins: tuple[str, ...]         # input nets, in pin order A, B, C, D
    to: str                      # "strip": a strip line; "bank": an F/P line; "sel": a SEL line

    @property
    def inputs(self) -> dict[str, str]:
        """Input pin -> net."""
        return dict(zip(sorted(PIN_Y[self.cell]), self.ins, strict=True))


@dataclass(frozen=True)
class PredecodePlan:
    rows: int
    mux: int

    @property
    def col_bits(self) -> int:
        return int(math.log2(self.mux))

    @property
    def row_plan(self) -> DecodePlan:
        return DecodePlan(self.rows)

    @property
    def address_bits(self) -> int:
        return self.col_bits + self.row_plan.address_bits

    def pins(self) -> list[str]:
        return [f"A{b}" for b in range(self.address_bits)] + ["PRE"]

    def lines(self) -> list[str]:
        out = []
        for b in range(self.address_bits):
            out += [f"A{b}", f"A{b}_N"]
        out += ["PRE", "PRE_N"]
        if self.col_bits == 5:
            out += [f"Q{v}" for v in range(4)]
        return out

    @staticmethod
    def literal(bit: int, one: bool) -> str:
        return f"A{bit}" if one else f"A{bit}_N"

    def sel_gates(self) -> list[Gate]:
        m = self.col_bits
        out = []
        for k in range(self.mux):
            low = [self.literal(b, bool(k >> b & 1)) for b in range(min(m, 3))]
            if m == 5:
                out.append(Gate("and4_2", f"SEL{k}", (f"Q{k >> 3}", *low), "sel"))
            else:
                hi = [self.literal(b, bool(k >> b & 1)) for b in range(3, m)]
                out.append(Gate(AND_BY_INPUTS[m], f"SEL{k}", (*low, *hi), "sel"))
        return out

    def p_gates(self) -> list[Gate]:
        m = self.col_bits
        return [Gate("and3_4", f"P{j}", ("PRE_N", self.literal(m, bool(j & 1)),
                                         self.literal(m + 1, bool(j & 2))), "bank")
                for j in range(4)]

    def other_gates(self) -> list[Gate]:
        """Inverters, the Q lines and the field lines: the rows free of column duties."""
        out = [Gate("inv_1", f"A{b}_N", (f"A{b}",), "strip") for b in range(self.address_bits)]
        out.append(Gate("inv_1", "PRE_N", ("PRE",), "strip"))
        m = self.col_bits
        if m == 5:
            out += [Gate("and2_1", f"Q{v}", (self.literal(3, bool(v & 1)),
                                             self.literal(4, bool(v & 2))), "strip")
                    for v in range(4)]
        bit = m + 2
        for i, b in enumerate(self.row_plan.fields):
            for v in range(1 << b):
                ins = tuple(self.literal(bit + t, bool(v >> t & 1)) for t in range(b))
                out.append(Gate(AND_BY_INPUTS[b], f"F{i}_{v}", ins, "bank"))
            bit += b
        return out

    def gates(self) -> list[Gate]:
        return self.sel_gates() + self.p_gates() + self.other_gates()

    def row_gates(self, column_rows: int) -> list[Gate]:
        """Gate of each strip row: SEL_k in select row 1 + k, P_j in precharge row
        1 + MUX + j, the rest in row 0 and above the column rows."""
        rows: dict[int, Gate] = {1 + k: g for k, g in enumerate(self.sel_gates())}
        rows.update({1 + self.mux + j: g for j, g in enumerate(self.p_gates())})
        free = [0] + list(range(column_rows, column_rows + len(self.other_gates())))
        rows.update(dict(zip(free, self.other_gates(), strict=False)))
        return [rows[i] for i in range(max(rows) + 1)]


@dataclass(frozen=True)
class StripGeometry:
    x0: float                    # left edge of the strip (negative: left of the bank)
    line_x: dict[str, float]
    cells_x0: float
    cells_x1: float
    top: float


def strip_geometry(place: Placement, plan: PredecodePlan) -> tuple[float, float, float, float]:
    """(width, first line x, cells x0, cells x1), relative to the strip's left edge."""
    pdk = place.lib.pdk
    per = pdk.data["rom"]
    site = float(pdk.data["site"]["width"])
    pitch2 = float(pdk.data["routing"]["met2"]["pitch"])
    sw = float(per["power_strap_w"])
    n = len(plan.lines())
    cells_x0 = math.ceil((3 * sw + n * pitch2 + per["cell_gap"]) / site) * site
    widest = max(place.lib.cell(c).width for c in PIN_Y)
    cells_x1 = cells_x0 + place.lib.cell(TAP).width + widest
    width = math.ceil((cells_x1 + per["cell_gap"]) / site) * site
    return snap(width), snap(3 * sw), snap(cells_x0), snap(cells_x1)


def predecoder(place: Placement, d: Drawer, plan: PredecodePlan, bank: BankGeometry,
               colg: ColumnGeometry) -> StripGeometry:
    """Place and wire the predecoder strip left of x = 0 on the column periphery's rows, and
    join its outputs to the bank's F/P lines and the column select lines."""
    pdk = place.lib.pdk
    per = pdk.data["rom"]
    site = float(pdk.data["site"]["width"])
    h = float(pdk.data["site"]["height"])
    pitch2 = float(pdk.data["routing"]["met2"]["pitch"])
    sw = float(per["power_strap_w"])
    width, line0, c0, c1 = strip_geometry(place, plan)
    x0 = -width
    line_x = {n: snap(x0 + line0 + i * pitch2) for i, n in enumerate(plan.lines())}
    cells_x0, cells_x1 = snap(x0 + c0), snap(x0 + c1)
    gates = plan.row_gates(colg.rows)
    bank_top = plan.row_plan.groups * 2 * float(per["pitch_y"])
    nrows = max(len(gates), colg.rows)
    top = colg.bottom + nrows * h
    strap_x = {"VGND": x0 + sw / 2, "VPWR": x0 + 2 * sw}
    for x in strap_x.values():
        d.vwire("met2", x, colg.bottom - 0.5, top + 0.5, sw)
    pins = plan.pins()
    for n, x in line_x.items():
        d.vwire("met2", x, colg.bottom, top)
        if n in pins:
            d.label("met2", n, x, colg.bottom + 0.2)
    bank_drop: dict[str, float] = {}
    for i in range(nrows):
        y, flip = colg.bottom + i * h, bool(i % 2)
        # Rails join the column rows' rails (which start at x = 0) below the array; above,
        # they stop short of the bank's own rails.
        rails = place.rails(d, x0, 0.0 if i < colg.rows else cells_x1 + site, y, flip)
        for net, ry in rails.items():
            for dx in (-sw / 4, sw / 4):
                d.cut("via", strap_x[net] + dx, ry)
        used: list[tuple[float, float]] = []
        if i < len(gates):
            g = gates[i]
            gx = cells_x0 + place.lib.cell(TAP).width
            used.append((gx, gx + place.lib.cell(g.cell).width))
            ox, oy = _place_gate(place, d, g, gx, y, flip, line_x)
            if g.to == "strip":
                _drop(d, line_x[g.out], ox, oy, oy, "met2")
            elif g.to == "bank":
                dy = _clear_drop(bank, g.out, oy)
                _drop(d, bank.line_x[g.out], ox, oy, dy, "met2")
                bank_drop[g.out] = dy
            else:                       # a column select: down onto its met1 SEL line
                _drop(d, colg.ctrl_x - SEL_DROP_DX, ox, oy, oy, "met1")
                d.hwire("met1", colg.ctrl_x - SEL_DROP_DX, colg.ctrl_x, oy, PATCH_H)
        if i == colg.rows - 1:      # the top precharge row
            # PRE reaches the precharge cells' enable line on its own met3 track.
            ly = y + h - LINK_Y if flip else y + LINK_Y
            _drop(d, colg.ctrl_x, line_x["PRE"], ly, ly, "met2")
            _via_down(d, line_x["PRE"], ly, "met2")
        fill_row(place, f"pd{i}", cells_x0, cells_x1, y, flip, used)
    # The bank's F/P lines run from y = 0 to its top; reach the drops beyond.
    for n, yy in bank_drop.items():
        if not 0.0 <= yy <= bank_top:
            d.vwire("met2", bank.line_x[n], yy, min(max(yy, 0.0), bank_top))
    return StripGeometry(x0, line_x, cells_x0, cells_x1, top)


def _place_gate(place: Placement, d: Drawer, g: Gate, x: float, y: float, flip: bool,
                line_x: dict[str, float]) -> tuple[float, float]:
    """Place one gate, run a met1 stub from each input pin left to its line, and lift the
    output to met3; returns the output's contact point."""
    out_pin, out_y = OUT.get(g.cell, ("X", OUT_RIGHT_Y))
    cell = place.place(g.cell, f"pd_{g.out}", x, y, flip, **g.inputs, **{out_pin: g.out})
    for pin, net in g.inputs.items():
        px, py = cell.point(pin, place.lib, PIN_Y[g.cell][pin])
        d.cut("mcon", px, py)
        d.rect("met1", (px - 0.145, py - PATCH_H / 2, px + 0.145, py + PATCH_H / 2))
        d.hwire("met1", line_x[net], px, py, d.width("met1"))
        d.stack(line_x[net], py, "met1", "met2", horizontal=False, pads=True)
        d.pad("met1", line_x[net], py)
    ox, oy = cell.point(out_pin, place.lib, out_y)
    d.stack(ox, oy, "li1", "met3", horizontal=True)
    return ox, oy


def _drop(d: Drawer, x: float, x_from: float, y: float, y_via: float, metal: str) -> None:
    """A met3 track at y from x_from to x, a jog along x to y_via, and vias down to `metal`
    there (pads included: the target is a minimum-width line)."""
    track = float(d.pdk.data["rom"]["wl_track_w"])
    if y_via == y:
        d.hwire("met3", x_from, x, y, track)
    else:
        # A square L: the track runs to the far side of the jog, and the jog (as wide as the
        # via pad) covers the track's whole height, so no corner leaves a narrow neck.
        w = d.pad_size("met3", False)[0]
        d.hwire("met3", x_from, x + (w / 2 if x > x_from else -w / 2), y, track)
        d.rect("met3", (x - w / 2, min(y, y_via) - track / 2, x + w / 2,
                        max(y, y_via) + track / 2))
    _via_down(d, x, y_via, metal)


def _via_down(d: Drawer, x: float, y: float, metal: str) -> None:
    horizontal = metal == "met1"
    d.stack(x, y, metal, "met3", horizontal=horizontal)
    d.pad(metal, x, y, horizontal=horizontal)


def _clear_drop(bank: BankGeometry, line: str, y: float) -> float:
    """A height near y for the via onto a bank line whose met2 pad keeps clear of the
    decoder's via pads on the neighbouring lines (0.46 um apart, so they must not overlap in
    y); the met3 track jogs to it along the line."""
    xs = bank.line_x
    near = [ys for n, ys in bank.pad_ys.items() if n != line and abs(xs[n] - xs[line]) < 0.5]
    for k in range(13):
        cand = snap(y + (k + 1) // 2 * 0.1 * (1 if k % 2 else -1))
        if all(abs(cand - p) >= DROP_CLEAR for ys in near for p in ys):
            return cand
    raise AssertionError(f"no clear via position on {line} near y={y}")
