"""Word-line side of a ROM macro: row decoder and drivers pitch-matched to the array.

Four word lines (two bitcell pairs, 2 x pitch_y = 2.84 um) share one standard-cell row
(2.72 um). Rows come in stacks of three that abut exactly (8.16 um) on a 3 x 2.84 = 8.52 um
pitch: the 0.36 um gap between stacks is what the cells' rail contacts need (two 0.17 um mcons
either side of a boundary keep 0.19 um apart), the 0.48 um rails still overlap and merge, and
wells and implants reach 0.19 um past a cell so they close the gap too; only hvtp is filled.
Stacks alternate N/MX/N and MX/N/MX, so facing rails always carry the same net.

Per row g: tap | and3_1 (group decode G_g from one line of each predecoded field) |
4 x and2_4 (WL_{4g+j} = G_g & P_j) | tap. Field lines and P lines run vertically on met2; each
driver output climbs to its own met3 track, which runs right to a staggered poly contact on its
word line at the array edge. Nothing here depends on the ROM contents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from taalas_flow.errors import InputError
from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.layout.rows import Placement

TAP = "tapvpwrvgnd_1"
SITES = {TAP: 1, "and3_1": 5, "and2_4": 7}
# Contact points on pins (cell frame, unflipped): chosen so that the met1 stubs/strips of one
# cell keep 0.14 um from each other and from the rails (the pin shapes are in the LEF).
DEC_PIN_Y = {"A": 0.72, "C": 1.13, "B": 2.21}
G_Y = 1.53               # and3 X and and2 A contacts: the G_g wire
DRV_B = (0.79, 1.145)    # and2 B contact; its strip drops to the P-line via at DRV_B_VIA_Y
DRV_B_VIA_Y = 0.75
DRV_X = (2.995, 0.95)    # and2 X contact, climbs to met3


@dataclass(frozen=True)
class DecodePlan:
    rows: int

    @property
    def groups(self) -> int:
        return self.rows // 4

    @property
    def fields(self) -> tuple[int, int, int]:
        """Bits of the group address in each predecoded field (low field first)."""
        h = max(3, math.ceil(math.log2(self.groups)))
        base, extra = divmod(h, 3)
        return tuple(base + (1 if i < extra else 0) for i in range(3))  # type: ignore[return-value]

    @property
    def address_bits(self) -> int:
        return 2 + sum(self.fields)

    def lines(self) -> list[str]:
        return [f"F{i}_{v}" for i, b in enumerate(self.fields) for v in range(1 << b)]

    def group_lines(self, g: int) -> tuple[str, str, str]:
        out, shift = [], 0
        for i, b in enumerate(self.fields):
            out.append(f"F{i}_{(g >> shift) & ((1 << b) - 1)}")
            shift += b
        return tuple(out)  # type: ignore[return-value]


def check_rows(rows: int) -> None:
    if rows < 32 or rows % 8:
        raise InputError(f"ROM macro rows must be a multiple of 8 and at least 32; got {rows}")


@dataclass(frozen=True)
class BankGeometry:
    width: float                  # x of the array's left edge (bank starts at x = 0)
    line_x: dict[str, float]      # met2 decode lines: field lines and P0..P3
    strap_x: dict[str, float]     # met2 power straps (centre)
    cells_x0: float
    cells_x1: float
    # Heights of the decoder-input via pads `wordline_bank` put on each field line.
    pad_ys: dict[str, list[float]] = field(default_factory=dict)


def bank_geometry(place: Placement, plan: DecodePlan) -> BankGeometry:
    pdk = place.lib.pdk
    per = pdk.data["rom"]
    site = float(pdk.data["site"]["width"])
    pitch2 = float(pdk.data["routing"]["met2"]["pitch"])
    sw = float(per["power_strap_w"])
    strap_x = {"VGND": sw / 2, "VPWR": sw * 2}
    lines = plan.lines()
    x = 3 * sw
    line_x = {n: snap(x + i * pitch2) for i, n in enumerate(lines)}
    cells_x0 = snap(math.ceil((x + len(lines) * pitch2 + per["cell_gap"]) / site) * site)
    x_and2 = cells_x0 + (SITES[TAP] + SITES["and3_1"]) * site
    for j in range(4):
        line_x[f"P{j}"] = snap(x_and2 + j * SITES["and2_4"] * site + DRV_B[0])
    cells_x1 = snap(cells_x0 + (2 * SITES[TAP] + SITES["and3_1"] + 4 * SITES["and2_4"]) * site)
    far = max(per["wl_contact_dx"])
    width = snap(math.ceil((cells_x1 + 1.2 + far) / site) * site)
    return BankGeometry(width, line_x, strap_x, cells_x0, cells_x1)


def wordline_bank(place: Placement, d: Drawer, plan: DecodePlan) -> BankGeometry:
    """Place and wire the decoder/driver rows for `plan.rows` word lines; the array's left edge
    is at x = geometry.width, its bottom at y = 0."""
    check_rows(plan.rows)
    pdk = place.lib.pdk
    per = pdk.data["rom"]
    site = float(pdk.data["site"]["width"])
    pitch_y = float(per["pitch_y"])
    gp = 2 * pitch_y
    geo = bank_geometry(place, plan)
    height = plan.groups * gp
    lw = d.width("met2")
    for n, x in geo.line_x.items():
        d.vwire("met2", x, 0, height, lw)
        d.label("met2", n, x, 0.2)
    sw = float(per["power_strap_w"])
    for n, x in geo.strap_x.items():
        d.vwire("met2", x, -0.5, height + 1.0, sw)
        d.label("met2", n, x, 0.2)
    hvtp_h = place.lib.cell("and2_4").height
    wl_y = [(a + b) / 2 for a, b in per["poly_wl_y"]]
    rail_vias: set[tuple[str, float]] = set()
    pad_ys: dict[str, list[float]] = {n: [] for n in plan.lines()}
    for g in range(plan.groups):
        y, flip = row_position(g, gp, hvtp_h)
        rails = place.rails(d, 0, geo.cells_x1, y, flip)
        rail_vias.update(rails.items())
        if g % 3 == 0 and g and rails["VPWR"] == y:   # VPWR gap below this stack: fill hvtp
            d.rect("hvtp", (geo.cells_x0, y - 0.5, geo.cells_x1, y + 0.5))
        x = geo.cells_x0
        place.place(TAP, f"tapl_{g}", x, y, flip)
        x += SITES[TAP] * site
        fa, fb, fc = plan.group_lines(g)
        dec = place.place("and3_1", f"dec_{g}", x, y, flip, A=fa, B=fb, C=fc, X=f"G_{g}")
        for pin, line in (("A", fa), ("B", fb), ("C", fc)):
            px, py = dec.point(pin, place.lib, DEC_PIN_Y[pin])
            d.cut("mcon", px, py)
            d.hwire("met1", geo.line_x[line], px + 0.145, py, 0.23)
            d.stack(geo.line_x[line], py, "met1", "met2", pads=True)
            d.pad("met1", geo.line_x[line], py)
            pad_ys[line].append(py)
        gx, gy = dec.point("X", place.lib, G_Y)
        d.cut("mcon", gx, gy)
        x += SITES["and3_1"] * site
        g_end = gx
        for j in range(4):
            r = 4 * g + j
            drv = place.place("and2_4", f"drv_{r}", x, y, flip, A=f"G_{g}", B=f"P{j}",
                              X=f"WL{r}")
            ax, ay = drv.point("A", place.lib, G_Y)
            d.cut("mcon", ax, ay)
            g_end = ax
            bx, by = drv.abs(*DRV_B)
            _, bvy = drv.abs(DRV_B[0], DRV_B_VIA_Y)
            d.cut("mcon", bx, by)
            top, bot = max(by + 0.115, bvy + 0.16), min(by - 0.115, bvy - 0.16)
            d.rect("met1", (bx - 0.145, bot, bx + 0.145, top))
            d.cut("via", bx, bvy)
            d.pad("met2", bx, bvy, horizontal=False)
            # Output: li1 -> met1 -> met2, up or down to the word line's met3 track.
            ox, oy = drv.abs(*DRV_X)
            d.stack(ox, oy, "li1", "met2", horizontal=False)
            ty = (r // 2) * pitch_y + per["met3_pad_cy"][r % 2]
            d.vwire("met2", ox, oy, ty, d.pad_size("met2", False)[0])
            d.stack(ox, ty, "met2", "met3", horizontal=True)
            d.pad("met2", ox, ty, horizontal=False)
            cx = geo.width - per["wl_contact_dx"][r % 2]
            d.hwire("met3", ox, cx, ty, per["wl_track_w"])
            # Word-line contact: met3 -> met2 -> met1 -> li1 -> poly, poly out to the array.
            wy = (r // 2) * pitch_y + wl_y[r % 2]
            d.stack(cx, ty, "met2", "met3", horizontal=True)
            d.pad("met2", cx, ty, horizontal=False)
            d.vwire("met2", cx, ty, wy, d.pad_size("met2", False)[0])
            d.stack(cx, wy, "li1", "met2", horizontal=True)
            d.poly_contact(cx, wy)
            wl_h = per["poly_wl_y"][0][1] - per["poly_wl_y"][0][0]
            d.hwire("poly", cx, geo.width, wy, wl_h)
            x += SITES["and2_4"] * site
        d.hwire("met1", gx - 0.145, g_end + 0.145, gy, 0.23)
        place.place(TAP, f"tapr_{g}", x, y, flip)
    for net, ry in sorted(rail_vias):
        for dx in (-sw / 4, sw / 4):
            d.cut("via", geo.strap_x[net] + dx, ry)
    return replace(geo, pad_ys=pad_ys)


def row_position(g: int, group_pitch: float, row_h: float) -> tuple[float, bool]:
    """Bottom y and orientation (True: MX, VPWR at the bottom) of driver row g."""
    stack, k = divmod(g, 3)
    flip = (k == 1) if stack % 2 == 0 else (k != 1)
    return stack * 3 * group_pitch + k * row_h, flip
