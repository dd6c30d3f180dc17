"""Drawing primitives on PDK layers: rectangles, wires, via stacks. Every size comes from the
`vias`, `routing` and `poly_contact` tables of pdk_configs/<pdk>.yaml, so the generators hold no
design-rule literals."""

from __future__ import annotations

import gdstk

from taalas_flow.pdk import PdkConfig

Rect = tuple[float, float, float, float]
METALS = ("li1", "met1", "met2", "met3", "met4", "met5")
CUT_ABOVE = {"li1": "mcon", "met1": "via", "met2": "via2", "met3": "via3", "met4": "via4"}
GRID = 0.005


def snap(v: float) -> float:
    return round(round(v / GRID) * GRID, 4)


class Drawer:
    """Adds shapes to one gdstk cell."""

    def __init__(self, pdk: PdkConfig, cell: gdstk.Cell) -> None:
        self.pdk = pdk
        self.cell = cell
        self.vias = pdk.data["vias"]
        self.routing = pdk.data["routing"]

    def rect(self, layer: str, r: Rect, purpose: str = "drawing") -> None:
        lay, dt = self.pdk.layer(layer, purpose)
        x0, y0, x1, y1 = (snap(v) for v in r)
        self.cell.add(gdstk.rectangle((min(x0, x1), min(y0, y1)), (max(x0, x1), max(y0, y1)),
                                      layer=lay, datatype=dt))

    def label(self, layer: str, text: str, x: float, y: float) -> None:
        lay, tt = self.pdk.layer(layer, "label")
        self.cell.add(gdstk.Label(text, (snap(x), snap(y)), layer=lay, texttype=tt))

    def width(self, layer: str) -> float:
        return float(self.routing[layer]["width"])

    def hwire(self, layer: str, x0: float, x1: float, y: float, w: float | None = None) -> None:
        h = (w or self.width(layer)) / 2
        self.rect(layer, (min(x0, x1), y - h, max(x0, x1), y + h))

    def vwire(self, layer: str, x: float, y0: float, y1: float, w: float | None = None) -> None:
        h = (w or self.width(layer)) / 2
        self.rect(layer, (x - h, min(y0, y1), x + h, max(y0, y1)))

    def pad_size(self, metal: str, horizontal: bool) -> tuple[float, float]:
        """Smallest (w, h) of `metal` enclosing the cuts just below and above it with their
        enclosure rules, long along x when `horizontal`, grown to the minimum area."""
        need_side, need_end = 0.0, 0.0
        i = METALS.index(metal)
        if i > 0:
            c = self.vias[CUT_ABOVE[METALS[i - 1]]]
            need_side = max(need_side, c["size"] + 2 * c["enc_above"][0])
            need_end = max(need_end, c["size"] + 2 * c["enc_above"][1])
        if metal in CUT_ABOVE:
            c = self.vias[CUT_ABOVE[metal]]
            need_side = max(need_side, c["size"] + 2 * c["enc_below"][0])
            need_end = max(need_end, c["size"] + 2 * c["enc_below"][1])
        need_side = max(need_side, self.width(metal))
        area = float(self.routing[metal]["min_area"])
        need_end = max(need_end, snap(area / need_side + GRID))
        return (need_end, need_side) if horizontal else (need_side, need_end)

    def cut(self, name: str, x: float, y: float) -> None:
        s = self.vias[name]["size"] / 2
        x, y = snap(x), snap(y)
        self.rect(name, (x - s, y - s, x + s, y + s))

    def pad(self, metal: str, x: float, y: float, horizontal: bool = True) -> Rect:
        w, h = self.pad_size(metal, horizontal)
        x, y = snap(x), snap(y)
        r = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        self.rect(metal, r)
        return r

    def stack(self, x: float, y: float, lo: str, hi: str, *, horizontal: bool = True,
              pads: bool = True) -> None:
        """Cuts from metal `lo` up to metal `hi` at (x, y), with enclosing pads on every
        metal strictly between them (the end layers are the caller's wires or pins); a pad
        on `hi` too when `pads`."""
        i0, i1 = METALS.index(lo), METALS.index(hi)
        for i in range(i0, i1):
            self.cut(CUT_ABOVE[METALS[i]], x, y)
            if i + 1 < i1 or pads:
                self.pad(METALS[i + 1], x, y, horizontal)

    def poly_contact(self, x: float, y: float) -> None:
        """Poly pad, licon, li1 pad and npc at (x, y), long along x."""
        pc = self.pdk.data["poly_contact"]
        s = pc["size"]
        x, y = snap(x), snap(y)
        pe, le, ne = pc["poly_enc"], pc["li1_enc"], pc["npc_enc"]
        self.rect("poly", (x - s / 2 - pe[1], y - s / 2 - pe[0], x + s / 2 + pe[1],
                           y + s / 2 + pe[0]))
        self.rect("licon", (x - s / 2, y - s / 2, x + s / 2, y + s / 2))
        lw = s + 2 * le[1]
        lh = max(s + 2 * le[0], snap(float(self.routing["li1"]["min_area"]) / lw + GRID))
        self.rect("li1", (x - lw / 2, y - lh / 2, x + lw / 2, y + lh / 2))
        self.rect("npc", (x - s / 2 - ne, y - s / 2 - ne, x + s / 2 + ne, y + s / 2 + ne))
