"""A synthesised logic block as layout: cells in rows, every net on fixed track patterns.

Routing is correct by construction rather than searched: each pin is reached by a vertical
met2 stub at its own x (PinAccess keeps stubs of a row apart), each net has one met3 segment
per row it touches, on a track of that row's band (the row and the free channel above it),
and a net in several rows joins its segments with vertical met4 trunk pieces over the cells,
one between each two consecutive rows it has pins in. Met3 tracks are assigned by the
left-edge algorithm and trunk pieces to free tracks, so two
nets never share a track where they overlap. Power: met1 rails per row, met2 straps in
narrow columns. The CDL is written from the same netlist, so KLayout
LVS proves the wiring."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import gdstk
import numpy as np

from taalas_flow.errors import InputError
from taalas_flow.layout.draw import GRID, Drawer, snap
from taalas_flow.layout.rows import BULK, Placement, fill_row
from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.netlist import GateNetlist
from taalas_flow.pnr.pinaccess import PinAccess
from taalas_flow.pnr.place import cell_graph, place_rows, refine_rows


def cdl_names(names: list[str]) -> dict[str, str]:
    """Netlist names as CDL/label-safe identifiers (brackets and dots to `_`), kept unique."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for n in names:
        s = re.sub(r"[^A-Za-z0-9_]", "_", n)
        base, k = s, 1
        while s in used:
            s, k = f"{base}_{k}", k + 1
        used.add(s)
        out[n] = s
    return out


def left_edge(intervals: list[tuple[float, float, int]], gap: float) -> dict[int, int]:
    """Track of each interval (lo, hi, key): sorted by lo, each takes the lowest track
    whose last interval ends at least `gap` before it starts."""
    ends: list[float] = []
    out: dict[int, int] = {}
    for lo, hi, key in sorted(intervals):
        for t, e in enumerate(ends):
            if e + gap <= lo + 1e-9:
                ends[t] = hi
                out[key] = t
                break
        else:
            out[key] = len(ends)
            ends.append(hi)
    return out


@dataclass
class BlockLayout:
    name: str
    lib: gdstk.Library
    cdl: str
    width: float
    height: float
    metrics: dict[str, float] = field(default_factory=dict)
    # Per net: um of wire by (layer, width) and cuts by layer, as drawn; and its pins as
    # (instance, pin) with ports as ("", port). The parasitic estimate is made from these.
    wires: dict[str, dict[tuple[str, float], float]] = field(default_factory=dict)
    cuts: dict[str, dict[str, int]] = field(default_factory=dict)
    pins: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # Where a parent connects: each port's met3 pin (x on the block edge, track y), and the
    # met2 power straps (net, x), which run the block's full height.
    ports: dict[str, tuple[float, float]] = field(default_factory=dict)
    straps: list[tuple[str, float]] = field(default_factory=list)
    # For a block assembled from others: the wire capacitance (pF) of the port nets of it and
    # of every block under it, by subcircuit and CDL net name (pnr/parasitics.wire_tables),
    # so a parent that drives one of its ports can add up the whole net's wire.
    net_pf: dict[str, dict[str, float]] = field(default_factory=dict)
    # For a block wired on a channel (chip/channel.py), in memory only: each channel net's
    # track (x from, x to, width) and branches as drawn, so its parent can time the net to
    # each terminal (chip/clock.py).
    tracks: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    branches: dict[str, list] = field(default_factory=dict)


@dataclass
class TrackGeometry:
    """Numbers of the block's track patterns, all from pdk_configs."""
    site: float
    row_h: float
    m3_pitch: float
    m3_w: float
    m3_space: float
    via2_half: float
    m2_pitch: float
    strap_w: float
    margin: float
    pitch: float
    m4_pitch: float
    m4_w: float
    via3_end: float

    @classmethod
    def of(cls, pdk: PdkConfig) -> TrackGeometry:
        r, lg, v = pdk.data["routing"], pdk.data["logic"], pdk.data["vias"]["via2"]
        v3 = pdk.data["vias"]["via3"]
        m3_w = max(v["size"] + 2 * v["enc_above"][0], v3["size"] + 2 * v3["enc_below"][0])
        m4_w = max(v3["size"] + 2 * v3["enc_above"][0], r["met4"]["width"])
        return cls(float(pdk.data["site"]["width"]), float(pdk.data["site"]["height"]),
                   float(r["met3"]["pitch"]), snap(max(m3_w, r["met3"]["width"])),
                   float(r["met3"]["spacing"]),
                   max(v["size"] / 2 + v["enc_above"][1], v3["size"] / 2 + v3["enc_below"][1]),
                   float(r["met2"]["pitch"]), float(lg["strap_w"]), float(lg["column_margin"]),
                   float(lg["access_pitch"]), float(lg["trunk_pitch"]), snap(m4_w),
                   v3["size"] / 2 + v3["enc_above"][1])

    def column_width(self, trunks: int) -> float:
        """[margin][VGND strap][met2 trunks at met2 pitch][VPWR strap][margin], whole
        sites."""
        w = 2 * self.margin + 2 * self.strap_w + (trunks + 1) * self.m2_pitch
        return math.ceil(w / self.site - 1e-9) * self.site

    def column_trunk_x(self, cx: float, t: int) -> float:
        return snap(cx + self.margin + self.strap_w + (t + 1) * self.m2_pitch)


def _rails_in_cells(pdk: PdkConfig, place: Placement) -> None:
    """Draw the met1 rails the cell LEF declares into each cell copy that has them only as
    pin shapes (most hd cells): the same metal as the row's rails, but inside the cell, so
    the cell's VPWR/VGND labels name its supply pins and LVS can compare the cells as black
    boxes by pin name."""
    m1 = pdk.layer("met1")
    h = float(pdk.data["site"]["rail_width"]) / 2
    for name, cell in place.cells.items():
        if any((p.layer, p.datatype) == m1 for p in cell.polygons):
            continue
        sc = place.lib.cell(name)
        for y in (0.0, sc.height):
            cell.add(gdstk.rectangle((0, y - h), (sc.width, y + h), layer=m1[0], datatype=m1[1]))


def _pack_rows(rows: list[list[int]], cells: list[str], pa: PinAccess, lib: StdCellLibrary,
               g: TrackGeometry, col_every: float, col_w: float
               ) -> tuple[list[list[tuple[int, float]]], list[float], float]:
    """x of every cell (taps are index -1), with power columns every `col_every` um, a tap
    at least every site `tap_every` um, and sites left free where two neighbours' stubs
    would be closer than the access pitch."""
    tap_w = lib.cell(lib.pdk.data["site"]["tap_cell"]).width
    tap_every = float(lib.pdk.data["site"]["tap_every"])
    period = snap(round(col_every / g.site) * g.site + col_w)
    out: list[list[tuple[int, float]]] = []
    end = 0.0
    for row in rows:
        placed: list[tuple[int, float]] = []
        x, last_tap, prev_right = col_w, -1e9, 1e9
        for i in row:
            c = lib.cell(cells[i])
            acc = pa.cell_access(cells[i])
            while True:
                if prev_right + acc.left < g.pitch - 1e-9:
                    x += g.site * math.ceil((g.pitch - prev_right - acc.left) / g.site - 1e-9)
                    prev_right = 1e9
                k = math.floor((x + 1e-9) / period)
                if x < k * period + col_w - 1e-9:          # inside a column: skip it
                    x = snap(k * period + col_w)
                    last_tap, prev_right = -1e9, 1e9
                region_end = snap((k + 1) * period)
                if x + c.width - last_tap > tap_every and x + tap_w + c.width <= region_end:
                    placed.append((-1, snap(x)))
                    last_tap, x, prev_right = x, x + tap_w, 1e9
                if x + c.width > region_end + 1e-9:
                    x = snap(region_end + col_w)
                    last_tap, prev_right = -1e9, 1e9
                    continue
                break
            placed.append((i, snap(x)))
            x += c.width
            prev_right = acc.right
        out.append(placed)
        end = max(end, x)
    # Columns on the period, the last one right after the longest row.
    col_x = [snap(k * period) for k in range(math.ceil((end - 1e-9) / period))]
    col_x.append(snap(math.ceil((end - 1e-9) / g.site) * g.site))
    width = col_x[-1] + col_w
    return out, col_x, snap(width)


def _vertical_tracks(g: TrackGeometry, col_x: list[float], col_w: float, col_tracks: int,
                     width: float) -> list[tuple[float, str]]:
    """Every vertical trunk track, sorted by x: met4 over the cells (not over the power
    columns, kept for the supply) and met2 inside the columns."""
    tracks = [(snap(g.m4_pitch / 2 + k * g.m4_pitch), "met4")
              for k in range(int(width / g.m4_pitch))]
    tracks = [t for t in tracks if not _over_column(t[0], col_x, col_w, g.m4_pitch)]
    tracks += [(g.column_trunk_x(cx, t), "met2") for cx in col_x for t in range(col_tracks)]
    return sorted(tracks)


Piece = tuple[float, str, int, int]      # trunk piece: x, layer, first row, last row


def _ideal_x(pts: list[tuple[int, float, str, int]], a: int, b: int) -> tuple[float, float]:
    """Where a trunk piece from row a to row b adds no met3: where the two rows' pin spans
    overlap, or else anywhere in the gap between them (the same extra length either way)."""
    xa = [x for r, x, *_ in pts if r == a]
    xb = [x for r, x, *_ in pts if r == b]
    lo, hi = max(min(xa), min(xb)), min(max(xa), max(xb))
    return (lo, hi) if lo <= hi else (hi, lo)


def _assign_trunks(pins_at: dict[str, list[tuple[int, float, str, int]]],
                   tracks: list[tuple[float, str]]) -> dict[str, list[Piece]] | None:
    """The vertical pieces of every net in more than one row: one piece between each two
    consecutive rows the net has pins in (a dogleg at every pin row, as a channel router
    does), on the free track nearest to where the piece costs no extra met3. One trunk per
    net drags every row's segment to one x, and a saturated track set pushes that x far
    from the pins. Two nets share a track only on disjoint row ranges."""
    xs = np.array([x for x, _ in tracks])
    pieces = []
    for k, (n, pts) in enumerate(sorted(pins_at.items())):
        rs = sorted({r for r, *_ in pts})
        for a, b in zip(rs, rs[1:], strict=False):
            lo, hi = _ideal_x(pts, a, b)
            pieces.append((a, b, k, n, (lo + hi) / 2))
    # Left-edge order (by first row) with the nearest free track: a track is free when its
    # last piece ended in an earlier row, or in this row on the same net (the two pieces
    # then meet on one via). In this order greedy never fails while tracks remain.
    last_end = np.full(len(tracks), -1)
    last_net = np.full(len(tracks), -1)
    out: dict[str, list[Piece]] = {}
    for a, b, k, n, mx in sorted(pieces):
        ok = (last_end < a) | ((last_end == a) & (last_net == k))
        if not ok.any():
            return None          # more pieces cover some row than there are tracks
        cand = np.flatnonzero(ok)
        t = int(cand[np.argmin(np.abs(xs[cand] - mx))])
        last_end[t], last_net[t] = b, k
        out.setdefault(n, []).append((tracks[t][0], tracks[t][1], a, b))
    return out


def _through_trunks(pins_at: dict[str, list[tuple[int, float, str, int]]],
                    tracks: list[tuple[float, str]], through: list[str]
                    ) -> tuple[dict[str, list[Piece]], list[tuple[float, str]]]:
    """A met4 track of its own for each net that runs through the block from its bottom edge
    to its top edge (stacked copies of the block then join those nets by abutment), at the
    free met4 track nearest the median of its pins; returns the nets' pieces and the tracks
    left for the others."""
    free = list(tracks)
    out: dict[str, list[Piece]] = {}
    for n in through:
        pts = pins_at[n]
        xs = sorted(x for _r, x, *_ in pts)
        mid = xs[len(xs) // 2]
        k = min((i for i, t in enumerate(free) if t[1] == "met4"),
                key=lambda i: (abs(free[i][0] - mid), free[i][0]))
        x = free.pop(k)[0]
        rs = sorted({r for r, *_ in pts})
        out[n] = ([(x, "met4", a, b) for a, b in zip(rs, rs[1:], strict=False)]
                  or [(x, "met4", rs[0], rs[0])])
    return out, free


def trunk_demand(pins_at: dict[str, list[tuple[int, float, str, int]]], n_rows: int) -> int:
    """Most trunk pieces on any one row, ends included: a piece ending in a row and another
    net's piece starting there need two tracks. With this many tracks the left-edge
    assignment in _assign_trunks cannot fail."""
    cover = np.zeros(max(n_rows, 1) + 1, dtype=int)
    for pts in pins_at.values():
        rs = sorted({r for r, *_ in pts})
        for a, b in zip(rs, rs[1:], strict=False):
            cover[a] += 1
            cover[b + 1] -= 1
    return int(np.cumsum(cover).max())


@dataclass
class _Placed:
    rows: list[list[int]]
    packed: list[list[tuple[int, float]]]
    col_x: list[float]
    width: float
    where: dict[int, tuple[int, float]]
    pins_at: dict[str, list[tuple[int, float, str, int]]]
    demand: int
    tracks: list[tuple[float, str]]
    col_w: float
    col_tracks: int

    @property
    def capacity(self) -> int:
        return len(self.tracks)


class _Block:
    """What every placement attempt of one netlist shares: cells, pin access, nets, graph."""

    def __init__(self, pdk: PdkConfig, net: GateNetlist, say: Callable[[str], None]) -> None:
        self.pdk, self.net, self.say = pdk, net, say
        self.lib = StdCellLibrary(pdk)
        self.pa = PinAccess(self.lib)
        self.g = TrackGeometry.of(pdk)
        self.lg = pdk.data["logic"]
        self.cells = [self.lib.full(i.cell) for i in net.instances]
        say(f"pin access for {len(set(self.cells))} cell types")
        for c in sorted(set(self.cells)):
            self.pa.cell_access(c)
        self.widths = np.array([self.lib.cell(c).width for c in self.cells])
        # Nets the router wires: two or more cell pins, or a port and at least one pin.
        self.wired: dict[str, list[tuple[int, str]]] = {}
        for n, pins in net.nets.items():
            if n in ("VPWR", "VGND", "VNB", "VPB"):
                raise InputError(f"signal net named {n}: reserved for power")
            if len(pins) >= 2 or (n in net.ports and pins):
                self.wired[n] = pins
        # Ports are fixed nodes after the cells: inputs on the left edge, outputs on the
        # right (where block.py brings them out), spread top to bottom in port order.
        ports = [p for p in net.ports if p in self.wired]
        self.port_node = {p: len(self.cells) + k for k, p in enumerate(ports)}
        ins = [p for p in ports if net.ports[p] == "input"]
        outs = [p for p in ports if net.ports[p] != "input"]
        self.anchors = np.zeros((len(ports), 2))
        for side, group in ((0.0, ins), (1.0, outs)):
            for k, p in enumerate(group):
                self.anchors[self.port_node[p] - len(self.cells)] = (
                    side, 1.0 - (k + 0.5) / len(group))
        self.adj = cell_graph(
            len(self.cells) + len(ports),
            [[i for i, _ in pins] + ([self.port_node[n]] if n in self.port_node else [])
             for n, pins in self.wired.items()], n_cells=len(self.cells))
        # Band height estimate: the row plus its minimum channel plus as much again.
        g = self.g
        self.band_est = g.row_h + 2 * self.lg["min_channel_tracks"] * g.m3_pitch + g.row_h

    def first_rows(self) -> int:
        """Rows of a square-ish block at the target utilisation."""
        total = float(self.widths.sum())
        return max(1, round(math.sqrt(total / self.lg["utilisation"] / self.band_est)))

    def rows(self, n_rows: int) -> list[list[int]]:
        row_w = float(self.widths.sum()) / self.lg["utilisation"] / n_rows
        self.say(f"placing {len(self.cells)} cells in {n_rows} rows")
        rows = place_rows(self.widths, self.adj, n_rows, row_w, self.band_est, self.anchors)
        return refine_rows(rows, self.widths, self.adj, self.anchors)

    def pack(self, rows: list[list[int]], col_tracks: int) -> _Placed:
        lg, g = self.lg, self.g
        col_w = g.column_width(col_tracks)
        packed, col_x, width = _pack_rows(rows, self.cells, self.pa, self.lib, g,
                                          lg["column_every"], col_w)
        where = {i: (r, x) for r, row in enumerate(packed) for i, x in row if i >= 0}
        pins_at = {n: [(where[i][0],
                        where[i][1] + self.pa.cell_access(self.cells[i]).points[p].xv, p, i)
                       for i, p in pins] for n, pins in self.wired.items()}
        tracks = _vertical_tracks(g, col_x, col_w, col_tracks, width)
        return _Placed(rows, packed, col_x, width, where, pins_at,
                       trunk_demand(pins_at, len(rows)), tracks, col_w, col_tracks)


def _over_column(x: float, col_x: list[float], col_w: float, margin: float) -> bool:
    return any(cx - margin <= x <= cx + col_w + margin for cx in col_x)


def trunk_probe(pdk: PdkConfig, net: GateNetlist, row_counts: list[int]) -> list[dict]:
    """Vertical routability of a netlist at several row counts, without drawing: block
    width, the most trunk pieces on one row and the met4 tracks there are."""
    blk = _Block(pdk, net, lambda _m: None)
    out = []
    for r in row_counts:
        p = blk.pack(blk.rows(r), 0)
        out.append({"rows": r, "width_um": p.width, "trunk_demand": p.demand,
                    "met4_tracks": p.capacity})
    return out


def build_block(pdk: PdkConfig, net: GateNetlist, name: str | None = None,
                progress: Callable[[str], None] | None = None,
                n_rows: int | None = None,
                rows: list[list[int]] | None = None,
                through: list[str] | None = None,
                min_channel: int | None = None) -> BlockLayout:
    """`progress` hears each phase as it starts (long for the engine core); `n_rows`
    overrides the square-block estimate; `rows` (instance indices, left to right) replaces
    the placement search, for arrays whose generator knows their order. `through` ports run
    on their own met4 track from the bottom edge to the top edge, pinned at the bottom,
    so copies of the block stacked on each other share them. `min_channel` overrides the
    config's free met3 tracks between rows (`logic.min_channel_tracks`)."""
    name = name or net.module
    say = progress or (lambda _msg: None)
    blk = _Block(pdk, net, say)
    lib, pa, g, lg = blk.lib, blk.pa, blk.g, blk.lg
    cells, widths, wired = blk.cells, blk.widths, blk.wired
    unconnected_ports = sorted(p for p in net.ports if p not in net.nets)
    through = sorted(through or [])
    bad = [n for n in through if n not in net.ports or n not in wired]
    if bad:
        raise InputError(f"{name}: through nets must be connected ports: {bad[:4]}")

    # Trunks go on met4 over the cells; when more trunk pieces cover some row than met4
    # has tracks, the power columns widen to hold met2 trunks too (the rows keep their
    # cells and order, only the x positions move).
    if rows is not None:
        if sorted(i for row in rows for i in row) != list(range(len(cells))):
            raise InputError(f"{name}: the given rows do not hold every instance once")
    else:
        rows = blk.rows(n_rows or blk.first_rows())
    col_tracks = 0
    tried = []
    trunks = None
    for _ in range(10):
        pl = blk.pack(rows, col_tracks)
        tried.append(f"{col_tracks} met2 tracks per column: {pl.demand} trunk pieces on one "
                     f"row, {pl.capacity} vertical tracks")
        if pl.demand <= pl.capacity:
            say(f"trunks ({pl.demand} pieces on one row, {pl.capacity} tracks)")
            fixed, free = _through_trunks(pl.pins_at, pl.tracks, through)
            trunks = _assign_trunks({n: p for n, p in pl.pins_at.items() if n not in fixed},
                                    free)
            if trunks is not None:
                trunks.update(fixed)
                break
        short = max(pl.demand - pl.capacity, 0) + max(pl.demand // 50, 1)
        col_tracks += max(math.ceil(short / len(pl.col_x)), 2)
    if trunks is None:
        raise InputError(f"{name}: the nets between rows do not fit the trunk tracks "
                         f"({'; '.join(tried[-2:])})",
                         "`bench/logic_layout.py` measures the demand")
    col_w = pl.col_w
    rows, packed, col_x, width = pl.rows, pl.packed, pl.col_x, pl.width
    where, pins_at = pl.where, pl.pins_at

    # Met3 segments per row band; ports run to the left (inputs) or right (outputs) edge.
    seg: dict[tuple[str, int], tuple[float, float]] = {}
    port_row: dict[str, int] = {}
    for n, pts in pins_at.items():
        for r in sorted({r for r, *_ in pts}):
            xs = [x for rr, x, *_ in pts if rr == r]
            xs += [x for x, _lay, a, b in trunks.get(n, ()) if r in (a, b)]
            seg[(n, r)] = (min(xs), max(xs))
        if n in net.ports and n not in fixed:
            if net.ports[n] == "input":
                r = min(pts, key=lambda p: (p[1], p[0]))[0]
                seg[(n, r)] = (0.0, seg[(n, r)][1])
            else:
                r = max(pts, key=lambda p: (p[1], -p[0]))[0]
                seg[(n, r)] = (seg[(n, r)][0], width)
            port_row[n] = r
    ext = g.via2_half    # beyond the end vias (via2 of a stub, via3 of a trunk)
    min_len = math.ceil(pdk.data["routing"]["met3"]["min_area"] / g.m3_w / GRID) * GRID
    seg_ext: dict[tuple[str, int], tuple[float, float]] = {}
    for (n, r), (lo, hi) in seg.items():
        lo, hi = (lo, hi) if lo <= 0 else (lo - ext, hi)
        hi = hi if hi >= width else hi + ext
        if hi - lo < min_len:
            hi = lo + min_len
        seg_ext[(n, r)] = (snap(lo), snap(hi))
    say(f"met3 tracks for {len(seg_ext)} segments")
    keys = sorted(seg_ext)
    by_row: list[list[tuple[float, float, int]]] = [[] for _ in rows]
    for j, k in enumerate(keys):
        by_row[k[1]].append((seg_ext[k][0], seg_ext[k][1], j))
    track: dict[tuple[str, int], int] = {}
    n_tracks = [0] * len(rows)
    for r, iv in enumerate(by_row):
        tr = left_edge(iv, g.m3_space)
        for j, t in tr.items():
            track[keys[j]] = t
        n_tracks[r] = max(tr.values(), default=-1) + 1
    row_tracks = math.ceil(g.row_h / g.m3_pitch - 1e-9)
    gap = lg["min_channel_tracks"] if min_channel is None else min_channel
    band_tracks = [max(t, row_tracks + gap) for t in n_tracks]
    row_y = [0.0]
    for bt in band_tracks:
        row_y.append(snap(row_y[-1] + bt * g.m3_pitch))
    height = row_y[-1]

    def track_y(n: str, r: int) -> float:
        return snap(row_y[r] + g.m3_pitch / 2 + track[(n, r)] * g.m3_pitch)

    say("drawing")
    top = gdstk.Cell(name)
    d = Drawer(pdk, top)
    place = Placement(lib, top)
    for r, row in enumerate(packed):
        y = row_y[r]
        used = []
        for i, x in row:
            if i < 0:
                place.place(pdk.data["site"]["tap_cell"], f"r{r}_tap{round(x / g.site)}", x, y)
                used.append((x, x + lib.cell(pdk.data["site"]["tap_cell"]).width))
                continue
            inst = net.instances[i]
            conns = dict(inst.conns)
            cell = lib.cell(cells[i])
            for port in cell.ports:
                if port not in BULK and port not in conns:
                    conns[port] = f"_nc_{inst.name}_{port}"
            place.place(cells[i], f"c{i}", x, y, **conns)
            used.append((x, x + cell.width))
        fill_row(place, f"r{r}", 0.0, width, y, False, used)
        place.rails(d, 0.0, width, y, False)

    # Pin access: mcon, met1, via1, met2 stub up/down to the net's track, via2.
    pw, ph = d.pad_size("met2", horizontal=False)
    wires: dict[str, dict[tuple[str, float], float]] = {n: {} for n in pins_at}
    cuts: dict[str, dict[str, int]] = {n: {} for n in pins_at}

    def wire(n: str, layer: str, w: float, length: float) -> None:
        wires[n][(layer, w)] = wires[n].get((layer, w), 0.0) + length

    def cut(n: str, layer: str, k: int = 1) -> None:
        cuts[n][layer] = cuts[n].get(layer, 0) + k

    for n, pts in pins_at.items():
        for r, _xv, p, i in pts:
            a = pa.cell_access(cells[i]).points[p]
            x0 = where[i][1]
            y0 = row_y[r]
            if a.mcon:
                d.cut("mcon", x0 + a.xm, y0 + a.y)
            m = a.met1
            d.rect("met1", (x0 + m[0], y0 + m[1], x0 + m[2], y0 + m[3]))
            d.cut("via", x0 + a.xv, y0 + a.yv)
            ty = track_y(n, r)
            # The stub is as wide as its via pads: no notch between two pads close in y.
            lo, hi = sorted((y0 + a.yv, ty))
            d.rect("met2", (x0 + a.xv - pw / 2, lo - ph / 2, x0 + a.xv + pw / 2, hi + ph / 2))
            d.cut("via2", x0 + a.xv, ty)
            wire(n, "met2", pw, hi - lo)
            wire(n, "met1", m[3] - m[1], m[2] - m[0])
            cut(n, "via")
            cut(n, "via2")
            if a.mcon:
                cut(n, "mcon")
    # Met3 segments, trunks, via2 at every trunk crossing.
    for (n, r), (lo, hi) in seg_ext.items():
        d.hwire("met3", lo, hi, track_y(n, r), g.m3_w)
        wire(n, "met3", g.m3_w, hi - lo)
    for n in sorted(trunks):
        for x, layer, a, b in trunks[n]:
            y0, y1 = track_y(n, a), track_y(n, b)
            if layer == "met4":
                h = g.via3_end
                d.rect("met4", (x - g.m4_w / 2, y0 - h, x + g.m4_w / 2, y1 + h))
                d.cut("via3", x, y0)
                d.cut("via3", x, y1)
                wire(n, "met4", g.m4_w, y1 - y0)
                cut(n, "via3", 2)
            else:
                d.vwire("met2", x, y0, y1)
                for y in (y0, y1):
                    d.pad("met2", x, y, horizontal=False)
                    d.cut("via2", x, y)
                wire(n, "met2", d.width("met2"), y1 - y0)
                cut(n, "via2", 2)

    # Through nets: met4 on down to the bottom edge and up to the top edge.
    for n in through:
        x = trunks[n][0][0]
        lo, hi = track_y(n, trunks[n][0][2]), track_y(n, trunks[n][-1][3])
        for y0, y1 in ((0.0, lo), (hi, height)):
            d.rect("met4", (x - g.m4_w / 2, y0, x + g.m4_w / 2, y1))
            wire(n, "met4", g.m4_w, y1 - y0)
        if trunks[n][0][2] == trunks[n][0][3]:
            d.cut("via3", x, lo)
            cut(n, "via3")

    # Power: met2 straps in every column, via1s onto each row's rails at the via pitch,
    # a via's width and both end enclosures kept clear of the strap's edges.
    via = pdk.data["vias"]["via"]
    via_pitch = via["size"] + via["spacing"]
    rail_vias = max(1, int((g.strap_w - via["size"] - 2 * via["enc_above"][1]) / via_pitch))
    for cx in col_x:
        for net_name_, sx in (("VGND", cx + g.margin + g.strap_w / 2),
                              ("VPWR", cx + col_w - g.margin - g.strap_w / 2)):
            d.vwire("met2", sx, -g.strap_w / 2, height, g.strap_w)
            for r in range(len(rows)):
                ry = row_y[r] if net_name_ == "VGND" else row_y[r] + g.row_h
                for k in range(rail_vias):
                    d.cut("via", sx + (k - (rail_vias - 1) / 2) * via_pitch, ry)
    names = cdl_names(sorted(set(wired) | set(net.ports)))
    labels = gdstk.Cell("_labels")
    lab = Drawer(pdk, labels)
    port_at: dict[str, tuple[float, float]] = {}
    m4_min = math.ceil(pdk.data["routing"]["met4"]["min_area"] / g.m4_w / GRID) * GRID
    for n in sorted(wired):
        if n in through:
            x = trunks[n][0][0]
            port_at[n] = (x, 0.0)
            d.rect("met4", (x - g.m4_w / 2, 0.0, x + g.m4_w / 2, m4_min), "pin")
            lab.label("met4", names[n], x, m4_min / 2)
        elif n in port_row:
            y = track_y(n, port_row[n])
            x = 0.0 if net.ports[n] == "input" else width
            port_at[n] = (x, y)
            xi = x + (g.m3_w if x == 0 else -g.m3_w)
            d.rect("met3", (min(x, xi), y - g.m3_w / 2, max(x, xi), y + g.m3_w / 2), "pin")
            lab.label("met3", names[n], (x + xi) / 2, y)
        else:
            r0 = min(r for r, *_ in pins_at[n])
            lo, hi = seg_ext[(n, r0)]
            lab.label("met3", names[n], (lo + hi) / 2, track_y(n, r0))
    for cx in col_x[:1]:
        lab.label("met2", "VGND", cx + g.margin + g.strap_w / 2, height / 2)
        lab.label("met2", "VPWR", cx + col_w - g.margin - g.strap_w / 2, height / 2)
    top.add(*labels.labels)
    d.rect("boundary", (0, 0, width, height))

    _rails_in_cells(pdk, place)
    out = gdstk.Library(unit=1e-6, precision=1e-9)
    out.add(top, *place.cells.values())
    # a tie cell's output is its rail to LVS: the reference has no port of it
    tie = place.tie_nets()
    ports = [p for p in net.ports if p in wired and p not in tie]
    lines = [f"* logic block {name} generated by taalas-flow"]
    lines += place.cdl_subckts()
    lines += [f".SUBCKT {name} {' '.join(names[p] for p in ports)} VGND VPWR VNB"]
    for ln in place.cdl_instances():
        parts = ln.split()
        parts[1:-1] = [tie.get(t) or names.get(t, t) for t in parts[1:-1]]
        lines.append(" ".join(parts))
    lines += [".ENDS", ""]
    cell_area = float(widths.sum()) * g.row_h
    metrics = {
        "cells": len(cells), "rows": len(rows), "columns": len(col_x),
        "width_um": width, "height_um": height,
        "area_um2": width * height, "cell_area_um2": cell_area,
        "utilisation": cell_area / (width * height),
        "max_row_tracks": max(n_tracks), "mean_row_tracks": sum(n_tracks) / len(n_tracks),
        "nets_routed": len(wired), "trunks": len(trunks),
        "trunk_pieces": sum(len(v) for v in trunks.values()),
        "trunks_met2": sum(1 for v in trunks.values() if any(p[1] == "met2" for p in v)),
        "column_met2_tracks": col_tracks,
        "trunk_demand": pl.demand, "trunk_capacity": pl.capacity,
        "met3_um": sum(hi - lo for lo, hi in seg_ext.values()),
        "unconnected_ports": len(unconnected_ports),
    }
    pins = {n: [(net.instances[i].name, p) for i, p in wired[n]]
            + ([("", n)] if n in net.ports else []) for n in wired}
    straps = [(n, x) for cx in col_x
              for n, x in (("VGND", cx + g.margin + g.strap_w / 2),
                           ("VPWR", cx + col_w - g.margin - g.strap_w / 2))]
    return BlockLayout(name, out, "\n".join(lines), width, height, metrics, wires, cuts, pins,
                       port_at, straps)
