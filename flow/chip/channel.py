"""A routing channel between macros above and a block below: one horizontal met3 track per
net (left-edge packed, so nets that do not overlap share a track), met2 drops from pins on
the channel's top side, met4 columns down to a block's edge pins, and exits at the channel's
left end. Each layer carries one kind of wire only where nets could meet (met2 vertical at
distinct pin x, met3 horizontal on distinct tracks, met4 vertical at distinct column x), so
the wiring is short-free by construction and DRC decides the spacing. Every net's metal (by
layer and width) and cuts are recorded as they are drawn, in BlockLayout's wires/cuts form,
so the chip's wires between blocks get the same parasitic estimate as a block's own."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from taalas_flow.layout.draw import GRID, Drawer, snap
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import TrackGeometry, left_edge


@dataclass
class Branch:
    """One connection off a net's track as drawn: where it leaves the track, its metal by
    (layer, width) and cuts, and what it reaches (a block, a pin; chip/clock.py times a net
    to each)."""
    x: float
    to: str | None
    wires: dict[tuple[str, float], float] = field(default_factory=dict)
    cuts: dict[str, int] = field(default_factory=dict)


@dataclass
class ChannelNet:
    name: str
    drops: list[float] = field(default_factory=list)   # x of met2 drops from above
    left_exit: bool = False                             # runs to the channel's left end
    column_to: str | None = None                        # block pin reached by a met4 column
    column_x: float | None = None


class Channel:
    def __init__(self, pdk: PdkConfig, y0: float) -> None:
        self.pdk = pdk
        self.g = TrackGeometry.of(pdk)
        self.y0 = y0
        self.track: dict[str, int] = {}
        self.extent: dict[str, tuple[float, float]] = {}
        self.exits: list[str] = []
        self.n_tracks = 0
        self.wires: dict[str, dict[tuple[str, float], float]] = {}
        self.cuts: dict[str, dict[str, int]] = {}
        self.branches: dict[str, list[Branch]] = {}
        self._branch: Branch | None = None

    def _start(self, net: str, x: float, to: str | None) -> None:
        """The wire and cuts recorded until the next _start are one branch of `net`."""
        self._branch = Branch(x, to)
        self.branches.setdefault(net, []).append(self._branch)

    def _wire(self, net: str, layer: str, w: float, length: float) -> None:
        """Metal of `net`, and of the branch being drawn if any."""
        key = (layer, w)
        tables = [self.wires.setdefault(net, {})]
        if self._branch is not None:
            tables.append(self._branch.wires)
        for by in tables:
            by[key] = by.get(key, 0.0) + abs(length)

    def _cut(self, net: str, layer: str, k: int = 1) -> None:
        """Cuts of `net`, and of the branch being drawn if any."""
        tables = [self.cuts.setdefault(net, {})]
        if self._branch is not None:
            tables.append(self._branch.cuts)
        for by in tables:
            by[layer] = by.get(layer, 0) + k

    @property
    def top(self) -> float:
        return snap(self.y0 + self.n_tracks * self.g.m3_pitch)

    def track_y(self, net: str) -> float:
        return snap(self.y0 + self.g.m3_pitch / 2 + self.track[net] * self.g.m3_pitch)

    def assign(self, nets: list[ChannelNet]) -> None:
        g = self.g
        ext = g.via2_half
        min_len = math.ceil(self.pdk.data["routing"]["met3"]["min_area"] / g.m3_w / GRID) * GRID
        iv = []
        for k, n in enumerate(nets):
            xs = list(n.drops) + ([n.column_x] if n.column_x is not None else [])
            if not xs:
                raise ValueError(f"channel net {n.name} has no terminal")
            lo = 0.0 if n.left_exit else min(xs) - ext
            hi = max(max(xs) + ext, lo + min_len)
            self.extent[n.name] = (snap(lo), snap(hi))
            iv.append((lo, hi, k))
        self.exits = sorted(n.name for n in nets if n.left_exit)
        tracks = left_edge(iv, g.m3_space)
        for k, n in enumerate(nets):
            self.track[n.name] = tracks[k]
        self.n_tracks = max(tracks.values(), default=-1) + 1

    def track_span(self, net: str, left: float = 0.0) -> tuple[float, float, float]:
        """(x from, x to, width) of a net's met3 track as draw_tracks draws it."""
        lo, hi = self.extent[net]
        return max(lo, left), hi, self.g.m3_w

    def draw_tracks(self, d: Drawer, left: float) -> None:
        self._branch = None
        for n, (lo, hi) in sorted(self.extent.items()):
            d.hwire("met3", max(lo, left), hi, self.track_y(n), self.g.m3_w)
            self._wire(n, "met3", self.g.m3_w, hi - max(lo, left))

    def draw_left_pins(self, d: Drawer) -> dict[str, tuple[float, float]]:
        """A met3 pin at x = 0 on the track of every net that leaves at the left end."""
        g = self.g
        out = {}
        for n in self.exits:
            y = self.track_y(n)
            d.rect("met3", (0.0, y - g.m3_w / 2, g.m3_w, y + g.m3_w / 2), "pin")
            d.label("met3", n, g.m3_w / 2, y)
            out[n] = (0.0, y)
        return out

    def draw_drop(self, d: Drawer, net: str, x: float, y_top: float,
                  layer: str = "met2", to: str | None = None) -> None:
        """Met2 (or met4, for a pin on met4) from y_top (inside the pin above) down to the
        net's track, via2 (via3) there; a branch of the net reaching `to`."""
        self._start(net, x, to)
        ty = self.track_y(net)
        if layer == "met4":
            g = self.g
            d.rect("met4", (x - g.m4_w / 2, ty - g.via3_end, x + g.m4_w / 2, y_top))
            d.cut("via3", x, ty)
            self._wire(net, "met4", g.m4_w, y_top - ty + g.via3_end)
            self._cut(net, "via3")
            return
        pw, ph = d.pad_size("met2", horizontal=False)
        d.rect("met2", (x - pw / 2, ty - ph / 2, x + pw / 2, y_top))
        d.cut("via2", x, ty)
        self._wire(net, "met2", pw, y_top - ty + ph / 2)
        self._cut(net, "via2")

    def draw_column(self, d: Drawer, net: str, x: float, y_pin: float, x_pin: float,
                    to: str | None = None) -> None:
        """Met4 from the net's track down (or up) to y_pin, then met3 across to the pin at
        x_pin; a branch of the net reaching `to`."""
        self._start(net, x, to)
        g = self.g
        ty = self.track_y(net)
        lo, hi = sorted((ty, y_pin))
        d.rect("met4", (x - g.m4_w / 2, lo - g.via3_end, x + g.m4_w / 2, hi + g.via3_end))
        d.cut("via3", x, ty)
        d.cut("via3", x, y_pin)
        self._wire(net, "met4", g.m4_w, hi - lo + 2 * g.via3_end)
        self._cut(net, "via3", 2)
        lo, hi = sorted((x, x_pin))
        d.hwire("met3", lo - g.via2_half, hi + g.m3_w, y_pin, g.m3_w)
        self._wire(net, "met3", g.m3_w, hi - lo + g.via2_half + g.m3_w)
