"""Where the router reaches each signal pin of a cell: one point per pin, for an mcon on the
pin's li1, a met1 pad, a via1 and a vertical met2 stub. Points are chosen once per cell type
so that any two stubs in a row are at least `access_pitch` apart in x, whatever the
neighbour: a cell's first point is at least half that pitch from its left edge when the cell
allows it, and its last from its right edge; otherwise the packer leaves a site free."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import gdstk

from taalas_flow.errors import InputError
from taalas_flow.layout.draw import snap
from taalas_flow.layout.stdcells import StdCell, StdCellLibrary

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Access:
    """One pin's access, in the cell's frame: mcon at (xm, y), via1 and met2 stub at
    (xv, yv), and the met1 shape joining them."""
    xm: float
    y: float
    xv: float
    yv: float
    met1: Rect
    mcon: bool = True          # False: the via1 lands on the cell's own met1 for the pin


@dataclass(frozen=True)
class CellAccess:
    points: dict[str, Access]
    left: float                              # x of the leftmost stub
    right: float                             # cell width - x of the rightmost stub


def _gap(a: Rect, b: Rect) -> float:
    """Edge-to-edge distance of two rectangles (0 when they touch or overlap)."""
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return (dx * dx + dy * dy) ** 0.5 if dx and dy else max(dx, dy)


class PinAccess:
    """Access points per cell type, from the PDK's cell LEF/GDS and the layout rules. A stub
    sits over its mcon when it can; otherwise a short met1 bar carries the pin sideways to it
    (two pins of a cell are often closer than two stubs may be)."""

    def __init__(self, lib: StdCellLibrary) -> None:
        self.lib = lib
        pdk = lib.pdk
        lg = pdk.data["logic"]
        self.pitch = float(lg["access_pitch"])
        self.step = float(lg["access_step"])
        self.jog = float(lg["access_jog"])
        self.mcon = float(pdk.data["vias"]["mcon"]["size"])
        self.mcon_space = float(pdk.data["vias"]["mcon"]["spacing"])
        self.mcon_enc = pdk.data["vias"]["mcon"]["enc_above"]
        self.via_size = float(pdk.data["vias"]["via"]["size"])
        self.via_enc = pdk.data["vias"]["via"]["enc_below"]
        self.m1_space = float(pdk.data["routing"]["met1"]["spacing"])
        self.m1_area = float(pdk.data["routing"]["met1"]["min_area"])
        self.rail_half = float(pdk.data["site"]["rail_width"]) / 2
        self._cache: dict[str, CellAccess] = {}

    def _obstacles(self, cell: StdCell) -> tuple[list[tuple[Rect, str]], list[Rect],
                                                  dict[str, list[gdstk.Polygon]]]:
        """The cell's own met1 (rails excluded: handled by the y window) as bounding boxes
        with the pin each belongs to ('' for internal nets), its mcons, and the met1
        polygons of pins that have them (xor2's B is strapped on met1)."""
        g = self.lib.gds_cell(cell.name)
        m1, mc = self.lib.pdk.layer("met1"), self.lib.pdk.layer("mcon")
        met1, mcon = [], []
        for p in g.polygons:
            (x0, y0), (x1, y1) = p.bounding_box()
            r = (float(x0), float(y0), float(x1), float(y1))
            if (p.layer, p.datatype) == m1 and not (y1 <= self.rail_half + 1e-6
                                                    or y0 >= cell.height - self.rail_half - 1e-6):
                met1.append((r, p))
            elif (p.layer, p.datatype) == mc:
                mcon.append(r)
        owned, polys = [], {}
        for r, p in met1:
            owner = next((pin for pin, rects in sorted(cell.pins.items()) for c in mcon
                          if _gap(c, r) == 0 and any(_gap(c, lr) == 0 for lr in rects)), "")
            owned.append((r, owner))
            if owner:
                polys.setdefault(owner, []).append(p)
        return owned, mcon, polys

    def _via_points(self, polys: list[gdstk.Polygon], mcon: list[Rect]) -> list[Access]:
        """Via1 positions on a pin's own met1: over the cell's mcons there (the met1 is
        widened around them), with a pad that covers that widening."""
        hv = self.via_size / 2
        out = []
        for p in polys:
            for c in mcon:
                x, y = snap((c[0] + c[2]) / 2), snap((c[1] + c[3]) / 2)
                if not p.contain((x, y)):
                    continue
                for ex, ey in ((self.via_enc[1], self.via_enc[0]),
                               (self.via_enc[0], self.via_enc[1])):
                    r = (snap(x - hv - ex), snap(y - hv - ey), snap(x + hv + ex),
                         snap(y + hv + ey))
                    out.append(Access(x, y, x, y, r, mcon=False))
        return sorted(out, key=lambda a: (a.xv, a.yv))

    def _mcon_points(self, cell: StdCell, pin: str, mcon: list[Rect]) -> list[tuple[float, float]]:
        """Every legal mcon centre on the pin (x grid; a few y per x, middle first)."""
        hm = self.mcon / 2
        # Half the mcon spacing from the cell edge, so a neighbour's mcon is never too near.
        x_lo = hm + self.mcon_space / 2
        out: list[tuple[float, float]] = []
        for r in cell.pins[pin]:
            ya, yb = r[1] + hm, r[3] - hm
            if ya > yb + 1e-9:
                continue
            mid = (r[1] + r[3]) / 2
            ys = sorted({snap(ya + k * (yb - ya) / 6) for k in range(7)},
                        key=lambda y: abs(y - mid))
            n0 = int((max(r[0] + hm, x_lo) + 1e-9) / self.step + 0.999)
            n1 = int((min(r[2] - hm, cell.width - x_lo) + 1e-9) / self.step)
            for n in range(n0, n1 + 1):
                x = snap(n * self.step)
                for y in ys:
                    cut = (x - hm, y - hm, x + hm, y + hm)
                    if all(_gap(cut, o) >= self.mcon_space - 1e-9 for o in mcon):
                        out.append((x, y))
        return out

    def _shape(self, cell: StdCell, xm: float, y: float, xv: float) -> list[Access]:
        """The met1 shapes that join an mcon at (xm, y) to a via1 at xv, best first: over the
        mcon a pad as narrow as the mcon's end enclosure allows with the via1 offset in y;
        to the side a bar along x."""
        hm, hv = self.mcon / 2, self.via_size / 2
        if abs(xm - xv) < 1e-9:
            w = self.mcon + 2 * self.mcon_enc[1]
            h = max(self.via_size + 2 * self.via_enc[1], self.m1_area / w)
            near = hm + self.mcon_enc[0]
            out = []
            for below in ((True, False) if y > cell.height / 2 else (False, True)):
                r = (snap(xm - w / 2), snap(y - (h - near if below else near)),
                     snap(xm + w / 2), snap(y + (near if below else h - near)))
                yv = snap(r[1] + self.via_enc[1] + hv if below else r[3] - self.via_enc[1] - hv)
                out.append(Access(xm, y, xv, yv, r))
            return out
        h = max(self.mcon + 2 * self.mcon_enc[0], self.via_size + 2 * self.via_enc[0])
        x0 = min(xm - hm - self.mcon_enc[1], xv - hv - self.via_enc[1])
        x1 = max(xm + hm + self.mcon_enc[1], xv + hv + self.via_enc[1])
        if (x1 - x0) * h < self.m1_area:
            x1 = x0 + self.m1_area / h
        return [Access(xm, y, xv, y, (snap(x0), snap(y - h / 2), snap(x1), snap(y + h / 2)))]

    def _legal(self, cell: StdCell, pin: str, a: Access,
               met1: list[tuple[Rect, str]]) -> bool:
        r = a.met1
        edge = self.m1_space / 2
        if not (r[0] >= edge - 1e-9 and r[2] <= cell.width - edge + 1e-9
                and r[1] >= self.rail_half + self.m1_space - 1e-9
                and r[3] <= cell.height - self.rail_half - self.m1_space + 1e-9):
            return False
        for o, owner in met1:
            g = _gap(r, o)
            overlaps = min(r[2], o[2]) - max(r[0], o[0]) > 1e-9 and min(r[3], o[3]) - max(
                r[1], o[1]) > 1e-9
            if g < self.m1_space - 1e-9 and not (owner == pin and overlaps):
                return False
        return True

    def _first_fit(self, cell: StdCell, pin: str, pts: list[tuple[float, float]],
                   start: float, met1: list[tuple[Rect, str]],
                   on_met1: list[Access] | None = None) -> Access | None:
        """The leftmost stub x >= start that some mcon point of the pin (sorted by x)
        reaches legally; for a pin with its own met1, the leftmost via on it."""
        if on_met1:
            return next((a for a in on_met1 if a.xv >= start - 1e-9
                         and all(_gap(a.met1, o) >= self.m1_space - 1e-9
                                 for o, owner in met1 if owner != pin)), None)
        xs = [p[0] for p in pts]
        n = int((start - 1e-9) / self.step + 0.999)
        while n * self.step <= cell.width:
            xv = snap(n * self.step)
            lo = bisect.bisect_left(xs, xv - self.jog - 1e-9)
            hi = bisect.bisect_right(xs, xv + self.jog + 1e-9)
            if lo == hi:
                if lo == len(xs):
                    return None
                n = max(n + 1, int((xs[lo] - self.jog - 1e-9) / self.step + 0.999))
                continue
            for xm, y in sorted(pts[lo:hi], key=lambda p: (abs(p[0] - xv), p[1])):
                for a in self._shape(cell, xm, y, xv):
                    if self._legal(cell, pin, a, met1):
                        return a
            n += 1
        return None

    def _orders(self, pts: dict[str, list[tuple[float, float]]]) -> list[tuple[str, ...]]:
        """Left-to-right pin orders worth trying: every order for up to 5 pins, else by
        the pins' centre x and its neighbour swaps."""
        if len(pts) <= 5:
            return list(itertools.permutations(sorted(pts)))
        base = sorted(pts, key=lambda p: (sum(x for x, _ in pts[p]) / len(pts[p]), p))
        out = [tuple(base)]
        for i in range(len(base) - 1):
            o = list(base)
            o[i], o[i + 1] = o[i + 1], o[i]
            out.append(tuple(o))
        return out

    def cell_access(self, short: str) -> CellAccess:
        cell = self.lib.cell(short)
        if cell.name in self._cache:
            return self._cache[cell.name]
        met1, mcon, polys = self._obstacles(cell)
        on_met1 = {p: self._via_points(polys[p], mcon) for p in polys}
        pts = {p: sorted(self._mcon_points(cell, p, mcon)) if p not in on_met1
               else [(a.xv, a.yv) for a in on_met1[p]] for p in sorted(cell.pins)}
        for p, c in pts.items():
            if not c:
                raise InputError(f"{cell.name}.{p}: no legal mcon on the pin")
        best: tuple[tuple[float, float], dict[str, Access]] | None = None
        # Orders sharing a prefix place that prefix identically: fit each prefix once.
        fitted: dict[tuple[str, ...], Access | None] = {}
        for order in self._orders(pts):
            chosen: dict[str, Access] = {}
            start = self.pitch / 2
            for k, p in enumerate(order):
                key = order[:k + 1]
                if key not in fitted:
                    fitted[key] = self._first_fit(
                        cell, p, pts[p], start,
                        met1 + [(c.met1, q) for q, c in chosen.items()], on_met1.get(p))
                a = fitted[key]
                if a is None:
                    break
                chosen[p] = a
                start = a.xv + self.pitch
            else:
                right = cell.width - max(a.xv for a in chosen.values())
                jogs = sum(abs(a.xm - a.xv) for a in chosen.values())
                score = (min(min(a.xv for a in chosen.values()), right), -jogs)
                if best is None or score > best[0]:
                    best = (score, chosen)
        if best is None:
            raise InputError(f"{cell.name}: its pins cannot be reached {self.pitch} um apart")
        pts_ = best[1]
        acc = CellAccess(dict(sorted(pts_.items())), min(a.xv for a in pts_.values()),
                         snap(cell.width - max(a.xv for a in pts_.values())))
        self._cache[cell.name] = acc
        return acc
