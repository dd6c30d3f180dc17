"""Buffer trees for the nets a placed block cannot drive: synthesis sized every gate for a
netlist without wires, and in a flat block millimetres across a control net or an operand bus
fans out over thousands of microns of met3. Without this pass the engine core's worst net
was 5 pF on a flop's output (OpenSTA: -831 ns of slack at 20 ns).

How: the block is placed once (pnr.place), every net's load is estimated from where its pins
landed (pin capacitances from the liberty plus the wire the router will draw: one met3 segment
per row it touches, a trunk between rows, a stub per pin), and a net whose load exceeds what
its driver may drive is split bottom-up: its sinks are cut in two along the longer side of
their box until each group is small enough for one buffer, a buffer goes at each group's
median, and the buffers become the next level's sinks, until the driver can drive what is
left. Every sink of a net then sits behind the same number of buffers, which for the clock
net is a balanced clock tree. The buffers join the placed rows next to their group, so
the layout is made from the placement the estimate saw.

The result is checked before it is used: removing the inserted buffers must give back the
synthesised netlist exactly, so LVS (layout = buffered netlist) and this check together
tie the layout to the netlist the engine was verified with."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from taalas_flow.errors import InputError, PdkError
from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.netlist import GateNetlist, Instance, verilog_escaped
from taalas_flow.pnr.pinaccess import PinAccess

POWER = ("VPWR", "VGND", "VNB", "VPB")


@dataclass(frozen=True)
class BufferPolicy:
    """The numbers of pdk_configs `logic.buffering`."""
    cell: str              # buffer for data nets (short name)
    clock_cell: str        # buffer for the clock tree
    max_load_pf: float     # most any driver, buffers included, is given to drive
    driver_derate: float   # fraction of a driver's liberty max_capacitance it is given
    max_fanout: int
    hold_cell: str         # delay cell put before a register input short of hold slack
    hold_margin_ns: float  # hold slack every register input is given at every corner
    port_cell: str         # buffer driving each output port of a block wired to others
    input_hold_early_ns: float  # how early a chip block's inputs may change (see the config)
    hold_passes: int       # rounds of delay cells and re-layout

    @classmethod
    def of(cls, pdk: PdkConfig) -> BufferPolicy:
        b = pdk.data["logic"].get("buffering")
        if not b:
            raise PdkError("pdk config has no logic.buffering (buffer cells and load limits)")
        return cls(str(b["cell"]), str(b["clock_cell"]), float(b["max_load_pf"]),
                   float(b["driver_derate"]), int(b["max_fanout"]), str(b["hold_cell"]),
                   float(b["hold_margin_ns"]), str(b["port_cell"]),
                   float(b["input_hold_early_ns"]), int(b["hold_passes"]))


class PinLoads:
    """Input capacitance and output max_capacitance of library cell pins (typical corner),
    read once per (cell, pin) from the liberty."""

    def __init__(self, pdk: PdkConfig) -> None:
        from taalas_flow.rom.liberty import PdkLiberty

        self.lib = PdkLiberty(pdk, "tt")
        self.prefix = self.lib.prefix

    def short(self, cell: str) -> str:
        return cell[len(self.prefix):] if cell.startswith(self.prefix) else cell

    @cache  # noqa: B019 - one instance per build, a few hundred (cell, pin) pairs
    def cap(self, cell: str, pin: str) -> float:
        return self.lib.capacitance(self.short(cell), pin)

    @cache  # noqa: B019
    def max_cap(self, cell: str, pin: str) -> float:
        return self.lib.max_capacitance(self.short(cell), pin)


@dataclass(frozen=True)
class WireModel:
    """pF per um of the router's met3 segments and met4 trunks, and of one pin's stub."""
    c_m3: float
    c_m4: float
    c_stub: float

    def cap(self, rows: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> float:
        """The wire the router draws for pins at (row, x, y): per row the span of its pins
        on met3, the vertical span on met4, a stub per pin."""
        if len(xs) < 2:
            return 0.0
        order = np.lexsort((xs, rows))
        r, x = rows[order], xs[order]
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        ends = np.r_[starts[1:], len(r)] - 1
        horiz = float((x[ends] - x[starts]).sum())
        return (self.c_m3 * horiz + self.c_m4 * float(ys.max() - ys.min())
                + self.c_stub * len(xs))


@dataclass
class Buffered:
    net: GateNetlist                 # the synthesised netlist plus the buffers
    rows: list[list[int]]            # placement of every instance (buffers included)
    buffers: list[str]               # instance names of the inserted buffers
    nets_buffered: int
    clock_buffers: int
    worst_load_pf: float             # largest estimated load left on any driver
    port_buffers: int = 0            # of `buffers`, those driving an output port


def row_pitch(pins_at: dict[str, list[tuple[int, float, str, int]]], n_rows: int,
              row_h: float, m3_pitch: float, gap: int) -> np.ndarray:
    """y of each row's bottom as the router will stack them: a row's band holds as many met3
    tracks as the most nets that overlap at one x in it (what left-edge assignment needs),
    at least the cell row plus `gap` tracks."""
    events: list[list[tuple[float, int]]] = [[] for _ in range(n_rows)]
    for pts in pins_at.values():
        by_row: dict[int, list[float]] = {}
        for r, x, *_ in pts:
            by_row.setdefault(r, []).append(x)
        if len(pts) < 2:
            continue
        for r, xs in by_row.items():
            events[r] += [(min(xs), 1), (max(xs) + 1e-6, -1)]
    min_tracks = int(np.ceil(row_h / m3_pitch - 1e-9)) + gap
    y = [0.0]
    for ev in events:
        depth = most = 0
        for _x, d in sorted(ev):
            depth += d
            most = max(most, depth)
        y.append(y[-1] + max(most, min_tracks) * m3_pitch)
    return np.array(y[:-1])


def _split(idx: np.ndarray, xs: np.ndarray, ys: np.ndarray, ok: Callable[[np.ndarray], bool]
           ) -> list[np.ndarray]:
    """Groups of `idx` each `ok`, by halving along the longer side of the box at the
    median (ties by index, so the result is deterministic)."""
    if ok(idx) or len(idx) == 1:
        return [idx]
    dx, dy = np.ptp(xs[idx]), np.ptp(ys[idx])
    key = xs[idx] if dx >= dy else ys[idx]
    order = idx[np.lexsort((idx, key))]
    h = len(order) // 2
    return _split(order[:h], xs, ys, ok) + _split(order[h:], xs, ys, ok)


@dataclass
class _Level:
    """One level of a net's tree: the sinks still to drive, where they are, their input
    capacitance, and which (instance, pin) each is."""
    row: np.ndarray
    x: np.ndarray
    cap: np.ndarray
    attach: list[tuple[int, str]]


class _TreeBuilder:
    """What building every net's tree shares: the limits, the wire model, the netlist being
    rewired and the buffers added so far."""

    def __init__(self, pdk: PdkConfig, net: GateNetlist, where: dict[int, tuple[int, float]],
                 row_y: np.ndarray, clock: str | None) -> None:
        from taalas_flow.pnr.parasitics import tech_rc

        self.pdk, self.net, self.where, self.row_y = pdk, net, where, row_y
        self.clock = clock
        self.pol = BufferPolicy.of(pdk)
        self.loads = PinLoads(pdk)
        self.cells = StdCellLibrary(pdk)
        metals, _ = tech_rc(pdk)
        r = pdk.data["routing"]
        band = (float(np.diff(row_y).mean()) if len(row_y) > 1
                else float(pdk.data["site"]["height"]))
        self.wm = WireModel(metals["met3"].c(r["met3"]["width"], 1.0),
                            metals["met4"].c(r["met4"]["width"], 1.0),
                            metals["met2"].c(r["met2"]["width"], band / 2))
        prefix = pdk.data["std_cell_library"] + "__"
        self.buf_cell = {False: prefix + self.pol.cell, True: prefix + self.pol.clock_cell}
        for c in self.buf_cell.values():
            if set(self.cells.cell(c).ports) - set(POWER) != {"A", "X"}:
                raise PdkError(f"logic.buffering: {c} is not a buffer with pins A and X")
        syn = pdk.data["synthesis"]
        self.port_drive = self.loads.max_cap(syn["driving_cell"], syn["driving_pin"])
        self.out_load = float(syn["output_load_pf"])
        self.conns = [dict(i.conns) for i in net.instances]
        self.new: list[Instance] = []
        self.placed: list[tuple[int, float]] = []      # (row, x) of each new buffer
        self.used = set(net.nets) | set(net.ports)
        self.used_inst = {i.name for i in net.instances}
        self.counter = 0
        self.clock_buffers = 0
        self.worst = 0.0

    def fresh(self, kind: str, used: set[str]) -> str:
        while True:
            self.counter += 1
            s = f"_taalas_{kind}{self.counter}_"
            if s not in used:
                used.add(s)
                return s

    def direction(self, i: int, pin: str) -> str | None:
        return self.cells.cell(self.net.instances[i].cell).directions.get(pin)

    def limit(self, cell: str, pin: str) -> float:
        return min(self.pol.driver_derate * self.loads.max_cap(cell, pin), self.pol.max_load_pf)

    def load(self, lv: _Level, idx: np.ndarray, row0: int, x0: float) -> float:
        """Pin capacitance of sinks `idx` plus the wire joining them to a driver at
        (row0, x0)."""
        rr = np.r_[lv.row[idx], row0]
        return float(lv.cap[idx].sum()) + self.wm.cap(rr, np.r_[lv.x[idx], x0], self.row_y[rr])

    def median(self, lv: _Level, idx: np.ndarray) -> tuple[int, float]:
        """Where a group's buffer goes: the row of its median-y sink, its median x."""
        ys = self.row_y[lv.row[idx]]
        return (min(int(lv.row[idx][np.argsort(ys, kind="stable")[len(idx) // 2]]),
                    len(self.row_y) - 1), float(np.median(lv.x[idx])))

    def tree(self, n: str) -> int:
        """Buffer net `n` as its driver needs; returns the levels added."""
        net, where = self.net, self.where
        pins = net.nets[n]
        drivers = [(i, p) for i, p in pins if self.direction(i, p) == "OUTPUT"]
        sinks = [(i, p) for i, p in pins if self.direction(i, p) == "INPUT"]
        if len(drivers) > 1 or not sinks:
            return 0
        if drivers:
            di, dp = drivers[0]
            limit = self.limit(net.instances[di].cell, dp)
            drow, dx = where[di]
        elif net.ports.get(n) == "input":
            # an input comes in at the left edge, on the row of its leftmost pin
            limit = min(self.pol.driver_derate * self.port_drive, self.pol.max_load_pf)
            drow, dx = min((where[i][1], where[i][0]) for i, _ in sinks)[1], 0.0
        else:
            return 0
        fixed = self.out_load if net.ports.get(n) == "output" else 0.0
        bcell = self.buf_cell[n == self.clock]
        b_limit = self.limit(bcell, "X")
        lv = _Level(np.array([where[i][0] for i, _ in sinks]),
                    np.array([where[i][1] for i, _ in sinks], dtype=float),
                    np.array([self.loads.cap(net.instances[i].cell, p) for i, p in sinks]),
                    list(sinks))
        depth = 0
        while True:
            every = np.arange(len(lv.attach))
            here = self.load(lv, every, drow, dx) + fixed
            if here <= limit and len(lv.attach) <= self.pol.max_fanout:
                break

            def ok(idx: np.ndarray, lv: _Level = lv) -> bool:
                return len(idx) <= self.pol.max_fanout and \
                    self.load(lv, idx, *self.median(lv, idx)) <= b_limit

            groups = _split(every, lv.x, self.row_y[lv.row], ok)
            if len(groups) >= len(lv.attach) and depth > 0:
                break                                   # no level left to gain
            lv = self.level(n, lv, groups, bcell)
            depth += 1
        self.worst = max(self.worst, here)
        return depth

    def port_buffer(self, n: str) -> bool:
        """Drive output port `n` through a port buffer (BufferPolicy.port_cell) beside the
        cell that drove it, which keeps driving the block's own sinks (and their trees) on a
        new net. What the port meets outside (a chip wire millimetres long, another block's
        input wiring: 0.74 pF on the engine's memory address) is unknown while the block is
        laid out, so every output gets a buffer whose tables reach that far; the chip step
        checks the real load against it. False for a port no cell drives."""
        drivers = [(i, p) for i, p in self.net.nets.get(n, [])
                   if self.direction(i, p) == "OUTPUT"]
        if len(drivers) != 1 or self.net.ports.get(n) != "output":
            return False
        m = self.fresh("portnet", self.used)
        for i, p in self.net.nets[n]:
            if self.conns[i][p] == n:
                self.conns[i][p] = m
        for b in self.new:
            if b.conns.get("A") == n:
                b.conns["A"] = m
        prefix = self.pdk.data["std_cell_library"] + "__"
        self.new.append(Instance(self.fresh("port", self.used_inst), prefix + self.pol.port_cell,
                                 {"A": m, "X": n}))
        self.placed.append(self.where[drivers[0][0]])
        return True

    def level(self, n: str, lv: _Level, groups: list[np.ndarray], bcell: str) -> _Level:
        """A buffer on net `n` for each group, driving the group's sinks on a new net; the
        buffers are the next level's sinks."""
        base = len(self.net.instances)
        rows, xs, attach = [], [], []
        for grp in groups:
            mr, mx = self.median(lv, grp)
            bname = self.fresh("buf", self.used_inst)
            bnet = self.fresh("bufnet", self.used)
            for k in grp:
                ai, ap = lv.attach[k]
                if ai < base:
                    self.conns[ai][ap] = bnet
                else:
                    self.new[ai - base].conns["A"] = bnet
            self.new.append(Instance(bname, bcell, {"A": n, "X": bnet}))
            self.placed.append((mr, mx))
            rows.append(mr)
            xs.append(mx)
            attach.append((base + len(self.new) - 1, "A"))
            self.clock_buffers += int(n == self.clock)
        return _Level(np.array(rows), np.array(xs),
                      np.full(len(groups), self.loads.cap(bcell, "A")), attach)


def buffer_netlist(pdk: PdkConfig, net: GateNetlist, rows: list[list[int]],
                   where: dict[int, tuple[int, float]], row_y: np.ndarray,
                   clock: str | None = None,
                   progress: Callable[[str], None] | None = None,
                   port_buffers: bool = False) -> Buffered:
    """Insert buffer trees into `net` placed as `rows` (`where`: instance -> (row, x);
    `row_y`: the rows' y), and with `port_buffers` a port buffer on every output port
    (_TreeBuilder.port_buffer). Returns the new netlist and rows; the original instances
    keep their indices, buffers are appended."""
    say = progress or (lambda _m: None)
    tb = _TreeBuilder(pdk, net, where, row_y, clock)
    nets_buffered = sum(1 for n in sorted(net.nets) if n not in POWER and tb.tree(n))
    ports = sum(tb.port_buffer(n) for n in sorted(net.ports)) if port_buffers else 0
    insts = [Instance(i.name, i.cell, tb.conns[k]) for k, i in enumerate(net.instances)]
    out = GateNetlist(net.module, dict(net.ports), insts + tb.new)
    check_unbuffered(out, net, {b.name for b in tb.new})
    out.escaped = verilog_escaped(out)      # as write_verilog spells them, for the SPEF
    # Each buffer joins its row in x order among the placed cells.
    base = len(net.instances)
    new_rows = [list(row) for row in rows]
    for k, (rw, x) in sorted(enumerate(tb.placed), key=lambda t: (t[1][0], t[1][1], t[0])):
        row = new_rows[rw]
        xs = [where[i][1] if i < base else tb.placed[i - base][1] for i in row]
        row.insert(int(np.searchsorted(xs, x, side="right")), base + k)
    say(f"{len(tb.new)} buffers on {nets_buffered} nets ({tb.clock_buffers} in the clock "
        f"tree), {ports} of them driving output ports")
    return Buffered(out, new_rows, [b.name for b in tb.new], nets_buffered, tb.clock_buffers,
                    tb.worst, ports)


def check_unbuffered(buffered: GateNetlist, original: GateNetlist, buffers: set[str]) -> None:
    """Removing `buffers` (each joins its output net to its input net) must give back
    `original`: the same instances with the same connections and the same ports. A buffer
    driving a port joins its input net to the port (the port keeps its name)."""
    parent: dict[str, str] = {}
    alias: dict[str, str] = {}
    for inst in buffered.instances:
        if inst.name in buffers:
            if inst.conns["X"] in buffered.ports:
                alias[inst.conns["A"]] = inst.conns["X"]
            else:
                parent[inst.conns["X"]] = inst.conns["A"]

    def root(n: str) -> str:
        seen = 0
        while n in parent:
            n = parent[n]
            seen += 1
            if seen > len(parent):
                raise InputError("buffer insertion made a loop of buffers")
        return alias.get(n, n)

    kept = [i for i in buffered.instances if i.name not in buffers]
    if len(kept) != len(original.instances) or buffered.ports != original.ports:
        raise InputError("buffer insertion changed the netlist's instances or ports")
    for a, b in zip(kept, original.instances, strict=True):
        if a.name != b.name or a.cell != b.cell or \
                {p: root(n) for p, n in a.conns.items()} != b.conns:
            raise InputError(f"buffer insertion changed instance {b.name}'s connections")


def place_buffered(pdk: PdkConfig, net: GateNetlist, clock: str | None = None,
                   progress: Callable[[str], None] | None = None,
                   n_rows: int | None = None, port_buffers: bool = False) -> Buffered:
    """Place `net` as build_block would, then insert its buffer trees (buffer_netlist); the
    returned rows go to build_block(rows=...)."""
    from taalas_flow.pnr.block import _Block

    blk = _Block(pdk, net, progress or (lambda _m: None))
    rows = blk.rows(n_rows or blk.first_rows())
    pl = blk.pack(rows, 0)
    g = blk.g
    row_y = row_pitch(pl.pins_at, len(rows), g.row_h, g.m3_pitch,
                      int(pdk.data["logic"]["min_channel_tracks"]))
    return buffer_netlist(pdk, net, rows, pl.where, row_y, clock, progress, port_buffers)


def drive_variants(loads: PinLoads, cell: str) -> list[str]:
    """The cell's function in every drive strength the liberty has (`<function>_<n>`, same
    pins), weakest first."""
    m = re.fullmatch(r"(.+)_(\d+)", cell)
    if not m:
        return [cell]
    pat = re.compile(rf'cell \("({re.escape(m.group(1))}_(\d+))"\)')
    return [c for c, _n in sorted(pat.findall(loads.lib.text), key=lambda t: int(t[1]))]


def size_drivers(pdk: PdkConfig, net: GateNetlist, net_load: Callable[[str], float],
                 progress: Callable[[str], None] | None = None) -> tuple[GateNetlist, int]:
    """Each cell whose output net's load (`net_load`: wire as laid out; pin capacitances
    are added here) is more than it may drive (BufferPolicy: driver_derate of its liberty
    max_capacitance) becomes the weakest stronger variant of its function that may drive it,
    or the strongest there is. Connections are unchanged; only cell names change."""
    pol = BufferPolicy.of(pdk)
    loads = PinLoads(pdk)
    cells = StdCellLibrary(pdk)
    variants: dict[str, list[str]] = {}
    pa = PinAccess(cells)

    def usable(v: str, cell: str) -> bool:
        """In every view, with the same pins, and its pins reachable by the router."""
        if not cells.has(v) or set(cells.cell(v).ports) != set(cells.cell(cell).ports):
            return False
        try:
            pa.cell_access(v)
        except InputError:
            return False
        return True
    out, changed = [], 0
    for inst in net.instances:
        outs = [p for p in inst.conns if cells.cell(inst.cell).directions.get(p) == "OUTPUT"]
        if len(outs) != 1:
            out.append(inst)
            continue
        n = inst.conns[outs[0]]
        load = net_load(n) + sum(loads.cap(net.instances[i].cell, p) for i, p in net.nets[n]
                                 if cells.cell(net.instances[i].cell).directions.get(p)
                                 == "INPUT")
        if net.ports.get(n) == "output":
            load += float(pdk.data["synthesis"]["output_load_pf"])
        if load <= pol.driver_derate * loads.max_cap(inst.cell, outs[0]):
            out.append(inst)
            continue
        if inst.cell not in variants:
            variants[inst.cell] = [v for v in drive_variants(loads, inst.cell)
                                   if usable(v, inst.cell)]
        stronger = variants[inst.cell][variants[inst.cell].index(inst.cell) + 1:]
        pick = next((v for v in stronger
                     if load <= pol.driver_derate * loads.max_cap(v, outs[0])),
                    stronger[-1] if stronger else inst.cell)
        changed += pick != inst.cell
        out.append(Instance(inst.name, pick, inst.conns))
    if progress:
        progress(f"{changed} cells up-sized for their laid-out load")
    sized = GateNetlist(net.module, dict(net.ports), out)
    sized.escaped = set(net.escaped)
    return sized, changed


def insert_hold_delays(pdk: PdkConfig, net: GateNetlist, rows: list[list[int]],
                       pins: set[tuple[str, str]] | dict[tuple[str, str], int]
                       ) -> tuple[GateNetlist, list[list[int]], int]:
    """A chain of delay cells (BufferPolicy.hold_cell) before each (instance, pin), one
    each for a set, as many as it maps to for a dict, placed in the instance's row just
    before it. Returns the netlist, its rows and the cells added; removing them must give
    back `net` (check_unbuffered)."""
    pol = BufferPolicy.of(pdk)
    cell = pdk.data["std_cell_library"] + "__" + pol.hold_cell
    index = {i.name: k for k, i in enumerate(net.instances)}
    counts = pins if isinstance(pins, dict) else dict.fromkeys(pins, 1)
    # STA escapes [ ] . / in names
    counts = {(re.sub(r"\\(.)", r"\1", i), p): n for (i, p), n in counts.items()}
    unknown = sorted(i for i, _p in counts if i not in index)
    if unknown:
        raise InputError(f"hold repair: STA names instances the netlist lacks: {unknown[:3]}")
    conns = [dict(i.conns) for i in net.instances]
    used, used_inst = set(net.nets) | set(net.ports), set(index)
    new: list[Instance] = []
    before: dict[int, list[int]] = {}
    k = 0
    for (inst, pin), n in sorted(counts.items()):
        i = index[inst]
        if pin not in conns[i]:
            continue
        for _ in range(n):
            while f"_taalas_hold{k}_" in used_inst or f"_taalas_holdnet{k}_" in used:
                k += 1
            name, wire = f"_taalas_hold{k}_", f"_taalas_holdnet{k}_"
            used_inst.add(name)
            used.add(wire)
            new.append(Instance(name, cell, {"A": conns[i][pin], "X": wire}))
            conns[i][pin] = wire
            before.setdefault(i, []).append(len(net.instances) + len(new) - 1)
    insts = [Instance(i.name, i.cell, conns[k]) for k, i in enumerate(net.instances)] + new
    out = GateNetlist(net.module, dict(net.ports), insts)
    check_unbuffered(out, net, {i.name for i in new})
    out.escaped = verilog_escaped(out)
    new_rows = [[j for i in row for j in (*before.get(i, ()), i)] for row in rows]
    return out, new_rows, len(new)


def port_buffer_inputs(net: GateNetlist, ports: list[str]) -> dict[str, tuple[str, str]]:
    """For each output port, the (instance, input pin) of the buffer that drives it (its
    port buffer): where a delay cell for the port's hold goes, ahead of the buffer, so
    the port keeps its strong driver."""
    out: dict[str, tuple[str, str]] = {}
    for inst in net.instances:
        x = inst.conns.get("X")
        if x in ports and set(inst.conns) >= {"A", "X"} and len(inst.conns) == 2:
            out[x] = (inst.name, "A")
    missing = sorted(set(ports) - set(out))
    if missing:
        raise InputError(f"{net.module}: no buffer drives output(s) {missing[:3]}: a hold "
                         "repair at a port needs the port buffers (buffer_ports)")
    return out


def hold_cells_needed(hold_slack: dict[tuple[str, str], dict[str, float]], margin: float,
                      cell_ns: dict[str, float]) -> dict[tuple[str, str], int]:
    """Delay cells each short register input needs: at every corner where its hold slack
    is below `margin`, the shortfall from twice the margin over one cell's earliest delay
    at that corner (`cell_ns`), rounded up; the most any corner needs. Twice: the layout
    the cells go into moves the clock tree's and the wires' delays by hundredths of a ns
    (with the margin as the target, 9 of 858 inputs of the tiny-llama core were short of
    it still after three passes, by up to 0.1 ns at ff)."""
    need: dict[tuple[str, str], int] = {}
    for pin, by in hold_slack.items():
        n = max((math.ceil((2 * margin - s) / cell_ns[c] - 1e-9) for c, s in by.items()
                 if s < margin), default=0)
        if n > 0:
            need[pin] = n
    return need


def buffer_ports(pdk: PdkConfig, net: GateNetlist, ports: list[str]
                 ) -> tuple[GateNetlist, int]:
    """`net` with each of `ports` (outputs, one cell driving each) driven through a port
    buffer (BufferPolicy.port_cell), for a block whose outputs cross the chip to another
    block and which build_block places as it is (no buffer trees): the cell that drove the
    port keeps driving the block's own sinks on a new net. Returns the netlist and the
    buffers added; removing them gives back `net` (check_unbuffered)."""
    pol = BufferPolicy.of(pdk)
    cells = StdCellLibrary(pdk)
    cell = pdk.data["std_cell_library"] + "__" + pol.port_cell
    conns = [dict(i.conns) for i in net.instances]
    used = set(net.nets) | set(net.ports)
    used_inst = {i.name for i in net.instances}
    new: list[Instance] = []
    k = 0
    for port in ports:
        on = net.nets.get(port, [])
        drivers = [i for i, p in on
                   if cells.cell(net.instances[i].cell).directions.get(p) == "OUTPUT"]
        if net.ports.get(port) != "output" or len(drivers) != 1:
            raise InputError(f"{net.module}: {port} is not an output port one cell drives")
        while f"_taalas_port{k}_" in used_inst or f"_taalas_portnet{k}_" in used:
            k += 1
        name, wire = f"_taalas_port{k}_", f"_taalas_portnet{k}_"
        used_inst.add(name)
        used.add(wire)
        for i, p in on:
            conns[i][p] = wire
        new.append(Instance(name, cell, {"A": wire, "X": port}))
    insts = [Instance(i.name, i.cell, conns[j]) for j, i in enumerate(net.instances)] + new
    out = GateNetlist(net.module, dict(net.ports), insts)
    check_unbuffered(out, net, {i.name for i in new})
    out.escaped = verilog_escaped(out)
    return out, len(new)


def clock_out(pdk: PdkConfig, net: GateNetlist, clock: str, port: str, cell: str
              ) -> GateNetlist:
    """`net` with a new output `port` driven from its `clock` input through one `cell` (a
    clock buffer): for a block whose clock also drives heavy loads outside it (a ROM port's
    macros: their PRE pins are 0.65 pF each), so the chip's clock net meets one buffer input
    there instead and the loads get a sharp edge. The block's own sinks stay on `clock`."""
    full = pdk.data["std_cell_library"] + "__" + cell
    if net.ports.get(clock) != "input":
        raise InputError(f"{net.module}: {clock} is not an input port")
    if port in net.ports or port in net.nets:
        raise InputError(f"{net.module}: {port} is already a port or net")
    if "X" not in StdCellLibrary(pdk).cell(cell).directions:
        raise PdkError(f"clock buffer {cell} has no output X")
    name = "_taalas_clock_out_"
    if any(i.name == name for i in net.instances):
        raise InputError(f"{net.module}: already has {name}")
    out = GateNetlist(net.module, {**net.ports, port: "output"},
                      [*net.instances, Instance(name, full, {"A": clock, "X": port})])
    out.escaped = verilog_escaped(out)
    return out
