"""When a clock edge reaches each block on a net drawn on a channel (chip/channel.py): the
chip's clock from its pin to the core, the data memory and the ROM ports, and a ROM port's
macro clock from its buffer to the banks. The paths between blocks (chip/timing.py) start
at one block's clock and end at another's, so the difference between those arrivals (the
skew) is in every such path, and in the hold of the memory's writes.

The net is a tree: its met3 track, and off the track one branch per connection (a drop or
a column, with the stub to the pin), each as drawn. Each terminal's arrival is the tree's
Elmore delay from the root to it: every piece of wire's resistance times all the
capacitance beyond it, a distributed piece counting half its own. Elmore bounds the 50 %
delay of an RC tree from above, and it is exact for none, so an arrival is an estimate on
the late side: the skew between two blocks is the difference of two such figures.
What drives the chip's clock pin is not drawn (no pads): the edge arrives there with the
transition pdk `chip.clock_pin_transition_ns` gives it, and the wire slows it on the way
(edge_ns); a block's STA takes the edge at its clock pin as that transition, its first
cells' delays growing with it. So do the clock buffers that re-drive it: the memory's
stripe clock drivers with the edge at the end of the memory's clock bus, the chip's wire
to the memory taken at its budget (budget_edge_ns: the memory is laid out before the chip),
and a ROM port's clock buffer with the edge the chip's wire and the port's own bring it
(the chip step re-times it so)."""

from __future__ import annotations

import math

from taalas_flow.chip.channel import Branch
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.parasitics import net_rc, tech_rc, wire_rc


def edge_ns(pin_transition: float, elmore: float) -> float:
    """The clock's 20-80 % transition (the liberty's slew thresholds) at the end of a wire
    whose Elmore delay is `elmore`, from `pin_transition` at the chip's pin: a single-pole
    wire's own step response, ln 4 times its time constant, combined with the edge it is
    given as the root of their squares (the usual ramp-through-RC estimate)."""
    return math.hypot(pin_transition, math.log(4.0) * elmore)


def pin_edge_ns(pdk: PdkConfig, elmore: float) -> float:
    """edge_ns from the edge the config gives the chip's clock pin (pdk
    chip.clock_pin_transition_ns)."""
    return edge_ns(float(pdk.data["chip"]["clock_pin_transition_ns"]), elmore)


def budget_edge_ns(pdk: PdkConfig, inside: float = 0.0) -> float:
    """The clock's edge at a point `inside` (ns, Elmore) past a block's clock pin, for a
    block laid out before the chip exists: the chip's wire to the pin taken at its budget
    (pdk logic.buffering.input_hold_early_ns, which bounds it: the chip step measures it)."""
    from taalas_flow.pnr.buffering import BufferPolicy

    return pin_edge_ns(pdk, BufferPolicy.of(pdk).input_hold_early_ns + inside)


def arrivals(pdk: PdkConfig, track: tuple[float, float, float], branches: list[Branch],
             sink_pf: dict[str, float], root: str | None = None, layer: str = "met3"
             ) -> dict[str, float]:
    """ns from the root to each branch's `to` (the latest of a terminal's branches): the root
    is the track's left end (a chip pin there), or with `root` the branch reaching it (the
    driver's pin: a buffer's output column). `track`: (from, to, width) of the net's trunk
    on `layer` (a channel's met3 track, Channel.track_span; a memory's met4 bus line, its
    branches' x then being y); `sink_pf`: what each terminal loads the net with beyond its
    branch (cell inputs, the block's own wire), 0 for one not named."""
    metals, _ = tech_rc(pdk)
    x0, x1, w = track
    trunk = metals[layer]
    rc = [wire_rc(pdk, b.wires, b.cuts) for b in branches]
    load = [c + sink_pf.get(b.to or "", 0.0) for b, (_r, c) in zip(branches, rc, strict=True)]
    src = None if root is None else next(
        (k for k, b in enumerate(branches) if b.to == root), None)
    if root is not None and src is None:
        raise ValueError(f"no branch reaches the root {root}")
    xs = x0 if src is None else min(max(branches[src].x, x0), x1)

    def beyond(a: float, b: float) -> float:
        """Capacitance on the far side of the piece [a, b] seen from xs (track and branches;
        the root's branch is upstream of everything)."""
        if b <= xs:                                  # left of the root: [x0, a]
            track_c = trunk.c(w, a - x0)
            far = [k for k, br in enumerate(branches) if br.x <= a and k != src]
        else:                                        # right of the root: [b, x1]
            track_c = trunk.c(w, x1 - b)
            far = [k for k, br in enumerate(branches) if br.x >= b and k != src]
        return track_c + sum(load[k] for k in far)

    total = trunk.c(w, x1 - x0) + sum(load[k] for k in range(len(branches)) if k != src)
    base = 0.0
    if src is not None:
        r, c = rc[src]
        base = r * (c / 2 + total)
    out: dict[str, float] = {}
    for k, b in enumerate(branches):
        if k == src or b.to is None:
            continue
        bx = min(max(b.x, x0), x1)
        stops = sorted({xs, bx, *(min(max(o.x, x0), x1) for o in branches)})
        lo, hi = sorted((xs, bx))
        pieces = [(a, c) for a, c in zip(stops, stops[1:], strict=False) if lo <= a and c <= hi]
        t = base
        for a, c in pieces:
            t += trunk.r(w, c - a) * (trunk.c(w, c - a) / 2 + beyond(a, c))
        r, c = rc[k]
        t += r * (c / 2 + sink_pf.get(b.to, 0.0))
        out[b.to] = max(out.get(b.to, 0.0), t * 1e-3)       # ohm x pF is ps
    return out


def port_clock_tree(pdk: PdkConfig, port, logic_name: str, clock: str, clock_out: str,
                    liberty) -> dict[str, float]:
    """A ROM port's clock from its pin to its macros (chip/rom_port.py), as the parts its
    timing needs: `pin_ns` the port's CLK wire from its pin to the logic block (the clock
    buffer's input), `load_pf` what the clock buffer drives (the macros' PRE and CLK pins and
    the wire to them), `wire_ns` the latest macro pin's Elmore delay from the buffer's
    output column. The buffer's own delay into `load_pf` is OpenSTA's (steps/sta.cell_delay)."""
    from taalas_flow.chip.wires import CdlDrivers

    walk = CdlDrivers(pdk, port.cdl, port.net_pf)
    pins: dict[str, float] = {}
    for b in port.branches[clock_out]:
        if b.to and "." in b.to:
            bank, pin = b.to.rsplit(".", 1)
            pins[b.to] = walk.meets(bank, pin, liberty)[0]
    logic_pf = sum(walk.meets(logic_name, clock, liberty))
    pin_ns = arrivals(pdk, port.tracks[clock], port.branches[clock],
                      {logic_name: logic_pf})[logic_name]
    wire = arrivals(pdk, port.tracks[clock_out], port.branches[clock_out], pins,
                    root=logic_name)
    # the net's whole wire (its track and every branch) and the macro pins
    load = net_rc(pdk, port, clock_out)[1] + sum(pins.values())
    return {"pin_ns": pin_ns, "load_pf": load, "wire_ns": max(wire.values())}
