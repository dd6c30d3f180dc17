"""Column side of a ROM macro, below the array: bit-line precharge, column select and output
flops, all sky130_fd_sc_hd cells placed under the bit lines they serve.

Each met4 bit line runs down past the array and drops (via3..mcon) straight onto a pin: first
onto the output of its precharge tri-state inverter (einvp_1, A tied low: drives the line high
while PRE is high), then onto the input of its select tri-state inverter (einvp_1, enabled by
SEL_k, k = column % MUX), whose output joins the slice's data line DL_s. A precharged line
stays high unless the selected word line turns on a programmed bitcell, so DL_s = bit. One
dfxtp_1 per slice captures DL_s on the rising CLK edge.

Rows, bottom up: flops, MUX select rows (row k holds the select cells of columns k, k+MUX,
...), four precharge rows (row k: columns k mod 4). The column pitch (0.92 um) puts every bit
line on the 0.46 um site grid shifted by half a site, so one pin position (x = 2.07 in the
cell) lands under it for both uses of einvp_1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from taalas_flow.errors import InputError
from taalas_flow.layout.draw import Drawer
from taalas_flow.layout.rows import Placement, fill_row

INV = "einvp_1"
FLOP = "dfxtp_1"
PIN_DX = 2.07                 # x of the bit-line drop in einvp_1 (A and Z both reach it)
PRE_TE_Y, PRE_Z_Y, PRE_A_Y = 1.5, 2.21, 1.1
SEL_TE_Y, SEL_A_Y, SEL_Z = 1.2, 1.75, (1.9, 0.53)
FF_CLK, FF_D, FF_Q = (0.265, 1.45), (1.51, 0.8), (7.19, 0.95)
PRE_ROWS = 4


@dataclass(frozen=True)
class ColumnGeometry:
    bottom: float                 # y of the lowest rail (the macro's bottom edge)
    x_lo: float
    x_hi: float
    dout_x: list[float]           # met2 output pins at the bottom edge
    ctrl_x: float                 # x where the control lines end (their pins)
    rows: int


def check_mux(mux: int, cols: int) -> None:
    if mux not in (8, 16, 32) or cols % mux:
        raise InputError(f"column mux must be 8, 16 or 32 and divide the columns; got mux "
                         f"{mux} for {cols} columns")


def column_periphery(place: Placement, d: Drawer, x_a: float, cols: int,
                     mux: int) -> ColumnGeometry:
    """Place and wire the column rows under an array whose bottom-left corner is (x_a, 0)."""
    check_mux(mux, cols)
    pdk = place.lib.pdk
    rom = pdk.data["rom"]
    site = float(pdk.data["site"]["width"])
    h = float(pdk.data["site"]["height"])
    px = float(rom["pitch_x"])
    nrows = 1 + mux + PRE_ROWS
    y0 = -(rom["column_gap"] + nrows * h)
    x_lo = x_a - site / 2 - 4 * site
    x_hi = x_a + math.ceil((cols * px + site / 2) / site) * site - site / 2
    ctrl_x = x_lo - 1.0
    used: dict[int, list[tuple[float, float]]] = {i: [] for i in range(nrows)}
    inv_w = place.lib.cell(INV).width

    def row_y(i: int) -> tuple[float, bool]:
        return y0 + i * h, bool(i % 2)

    def bl_x(c: int) -> float:
        return x_a + (c + 0.5) * px

    for i in range(nrows):
        y, flip = row_y(i)
        place.rails(d, 0, x_hi, y, flip)

    # Bit lines: met4 from the array down to their lowest drop (the select row).
    for c in range(cols):
        ys, _ = row_y(1 + c % mux)
        d.vwire("met4", bl_x(c), ys + 0.5, 0.0, rom["met4_bitline_w"])

    # Precharge rows.
    for k in range(PRE_ROWS):
        i = 1 + mux + k
        y, flip = row_y(i)
        te_y = None
        for c in range(k, cols, PRE_ROWS):
            x = bl_x(c) - PIN_DX
            cell = place.place(INV, f"pre_{c}", x, y, flip, A="VGND", TE="PRE", Z=f"BL{c}")
            used[i].append((x, x + inv_w))
            zx, zy = cell.abs(PIN_DX, PRE_Z_Y)
            d.stack(zx, zy, "li1", "met4", horizontal=True, pads=False)
            ax, ay = cell.abs(PIN_DX, PRE_A_Y)
            d.cut("mcon", ax, ay)
            rail = y + h if flip else y
            d.rect("met1", (ax - 0.145, rail, ax + 0.145, ay + (0.115 if not flip else -0.115)))
            tx, te_y = cell.abs(0.315, PRE_TE_Y)
            d.cut("mcon", tx, te_y)
        d.hwire("met1", ctrl_x - 0.2, bl_x(cols - 1), te_y, 0.23)
        d.stack(ctrl_x, te_y, "met1", "met2", pads=True)
        d.pad("met1", ctrl_x, te_y)
    pre_ys = [row_y(1 + mux + k)[0] for k in range(PRE_ROWS)]
    d.vwire("met2", ctrl_x, min(pre_ys), max(pre_ys) + h, d.pad_size("met2", False)[0])

    # Select rows: one cell per slice and row; DL_s runs vertically on met2.
    slices = cols // mux
    dl_x = [x_a + s * mux * px + px for s in range(slices)]
    dl_top = -1e9
    for k in range(mux):
        i = 1 + k
        y, flip = row_y(i)
        te_y = None
        for s in range(slices):
            c = s * mux + k
            x = bl_x(c) - PIN_DX
            cell = place.place(INV, f"sel_{c}", x, y, flip, A=f"BL{c}", TE=f"SEL{k}",
                               Z=f"DL{s}")
            used[i].append((x, x + inv_w))
            axx, ayy = cell.abs(PIN_DX, SEL_A_Y)
            d.stack(axx, ayy, "li1", "met4", horizontal=True, pads=False)
            zx, zy = cell.abs(*SEL_Z)
            d.cut("mcon", zx, zy)
            d.hwire("met1", zx, dl_x[s], zy, 0.23)
            d.rect("met1", (zx - 0.145, zy - 0.115, zx + 0.145, zy + 0.115))
            d.cut("via", dl_x[s], zy)
            dl_top = max(dl_top, zy)
            d.pad("met1", dl_x[s], zy)
            d.pad("met2", dl_x[s], zy, horizontal=False)
            tx, te_y = cell.abs(0.315, SEL_TE_Y)
            d.cut("mcon", tx, te_y)
        d.hwire("met1", ctrl_x - 0.2, bl_x(cols - 1), te_y, 0.23)
        d.label("met1", f"SEL{k}", ctrl_x, te_y)

    # Output flops.
    y, flip = row_y(0)
    dout_x = []
    clk_y = None
    fw = place.lib.cell(FLOP).width
    for s in range(slices):
        x = x_a + s * mux * px - site / 2
        ff = place.place(FLOP, f"ff_{s}", x, y, flip, CLK="CLK", D=f"DL{s}", Q=f"DOUT{s}")
        used[0].append((x, x + fw))
        dx, dy = ff.abs(*FF_D)
        d.cut("mcon", dx, dy)
        d.hwire("met1", dl_x[s] - 0.16, dx + 0.145, dy, 0.23)
        d.cut("via", dl_x[s], dy)
        d.pad("met1", dl_x[s], dy)
        d.pad("met2", dl_x[s], dy, horizontal=False)
        d.vwire("met2", dl_x[s], dy, dl_top)
        cx, clk_y = ff.abs(*FF_CLK)
        d.stack(cx, clk_y, "li1", "met3", horizontal=True, pads=True)
        qx, qy = ff.abs(*FF_Q)
        d.stack(qx, qy, "li1", "met2", horizontal=False)
        d.vwire("met2", qx, qy, y, d.pad_size("met2", False)[0])
        d.label("met2", f"DOUT{s}", qx, y + 0.3)
        dout_x.append(qx)
    d.hwire("met3", ctrl_x - 0.2, dout_x[-1], clk_y, pdk.data["rom"]["wl_track_w"])
    d.label("met3", "CLK", ctrl_x, clk_y)

    for i in range(nrows):
        y, flip = row_y(i)
        fill_row(place, f"r{i}", x_lo, x_hi, y, flip, used[i])
    return ColumnGeometry(y0, x_lo, x_hi, dout_x, ctrl_x, nrows)
