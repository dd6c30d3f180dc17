"""Bitcell-pair geometry: every rectangle of the base-die bitcell, computed from the numbers in
pdk_configs/<pdk>.yaml (`rom:`, `vias:`). The layout writer and the readback both use it, so
they cannot disagree about where a bit lives."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taalas_flow.pdk import PdkConfig

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 (um)


def _r(x0: float, y0: float, x1: float, y1: float) -> Rect:
    return (round(x0, 4), round(y0, 4), round(x1, 4), round(y1, 4))


def _centered(cx: float, cy: float, w: float, h: float) -> Rect:
    return _r(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


@dataclass(frozen=True)
class BitcellGeometry:
    pitch_x: float
    pitch_y: float
    shapes: dict[str, list[Rect]]    # layer name -> rectangles of one pair (base die only)
    via3_size: float
    pad_cy: tuple[float, float]      # met3 pad centres: row 0 and row 1 of the pair
    bitline_w: float

    def via3_centres(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centres (x, y) of the personalisation vias of bits (rows, cols), array coordinates;
        readback inverts this."""
        pair, half = np.divmod(np.asarray(rows), 2)
        cx = (np.asarray(cols) + 0.5) * self.pitch_x
        cy = pair * self.pitch_y + np.asarray(self.pad_cy)[half]
        return cx, cy


def bitcell_geometry(pdk: PdkConfig) -> BitcellGeometry:
    g = pdk.data["rom"]
    px, py = g["pitch_x"], g["pitch_y"]
    cx = px / 2
    lc = g["licon"]
    s: dict[str, list[Rect]] = {k: [] for k in (
        "diff", "poly", "licon", "li1", "mcon", "met1", "via", "met2", "via2", "met3", "nsdm")}
    s["diff"].append(_r(cx - g["diff_w"] / 2, g["diff_y"][0], cx + g["diff_w"] / 2,
                        g["diff_y"][1]))
    for y0, y1 in g["poly_wl_y"]:
        s["poly"].append(_r(0, y0, px, y1))
    # Ground: source contact and a li1 line across the full pitch (abuts the neighbours').
    sy = g["source_licon_y"]
    s["licon"].append(_r(cx - lc / 2, sy, cx + lc / 2, sy + lc))
    vias = pdk.data["vias"]
    mc = vias["mcon"]["size"]
    # The li1 line reaches past x=0 so the strap's mcon is enclosed even in the first column;
    # a met1 strap on the column boundary ties every pair's ground line together (low IR drop).
    s["li1"].append(_r(-mc / 2, sy, px, sy + g["li_gnd_w"]))
    s["mcon"].append(_centered(0, sy + lc / 2, mc, mc))
    sw = g["met1_gnd_strap_w"]
    s["met1"].append(_r(-sw / 2, g["diff_y"][0] - g["implant_margin"], sw / 2,
                        g["diff_y"][0] - g["implant_margin"] + py))
    for dy, pad_cy in zip(g["drain_licon_y"], g["met3_pad_cy"], strict=True):
        dcy = dy + lc / 2
        s["licon"].append(_r(cx - lc / 2, dy, cx + lc / 2, dy + lc))
        s["li1"].append(_centered(cx, dcy, *g["li_pad"]))
        s["mcon"].append(_centered(cx, dcy, vias["mcon"]["size"], vias["mcon"]["size"]))
        s["met1"].append(_centered(cx, dcy, g["met1_pad"], g["met1_pad"]))
        s["via"].append(_centered(cx, dcy, vias["via"]["size"], vias["via"]["size"]))
        half = g["met2_w"] / 2
        s["met2"].append(_r(cx - half, min(dcy, pad_cy) - half, cx + half, max(dcy, pad_cy) + half))
        s["via2"].append(_centered(cx, pad_cy, vias["via2"]["size"], vias["via2"]["size"]))
        s["met3"].append(_centered(cx, pad_cy, *g["met3_pad"]))
    m = g["implant_margin"]
    s["nsdm"].append(_r(0, g["diff_y"][0] - m, px, g["diff_y"][0] - m + py))
    return BitcellGeometry(px, py, s, vias["via3"]["size"], tuple(g["met3_pad_cy"]),
                           g["met4_bitline_w"])
