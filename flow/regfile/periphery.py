"""The data memory's own wiring on the paths through it: from its pins to the blocks inside
that take each net, and from the logic's read registers back out to its pins. A net runs up
the memory's bus (regfile/folded.py: a met4 line up the memory's left side, a met3 stub into
each stripe's edge pin) and along each stripe's channel (regfile/array.py: its met3 track,
a met4 column down to the block under it). Each time is the Elmore delay of that tree,
taken at two levels (chip/clock.arrivals): the bus from the pin to each stripe's edge, each
stripe loading its tap with all it hangs on the net (its own wire and the cell inputs on
it), then the stripe's channel from its edge to the block. That is the Elmore delay of the
whole tree, not an approximation of it: the stripe's part is downstream of the bus.

What the chip's paths (chip/timing.py) take from it:
- the memory's clock from its pin to each stripe's drivers (which re-drive it to the banks)
  and to the global logic (its read registers);
- an address or write input from the pin to each stripe's drivers and to the logic;
- a read register's output from the logic to the memory's pin, with nothing beyond the pin,
  and the resistance of that way (ohm), which the chip multiplies by what it hangs beyond
  the pin (its wire, the core's input): the series Elmore term this level cannot know."""

from __future__ import annotations

import re
from dataclasses import dataclass

from taalas_flow.chip.channel import Branch
from taalas_flow.chip.clock import arrivals
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout
from taalas_flow.pnr.parasitics import net_rc
from taalas_flow.regfile.memory import group_of

# The pseudo-terminals of a net's trunk end where it leaves a block: a stripe's left edge,
# the memory's pin.
EDGE, PIN = "<edge>", "<pin>"
# The memory's outputs: the logic's read registers (dmem.v.j2's r<port>_data).
READ_DATA = re.compile(r"r[a-z]_data")


@dataclass(frozen=True)
class Stripe:
    """What one stripe hangs on a net: the cell inputs and the blocks' own wire each block
    under its channel puts on it (by block name), and the stripe's whole share."""
    sinks: dict[str, float]
    total_pf: float


def stripe_share(pdk: PdkConfig, stripe: BlockLayout, net: str, walk, lib) -> Stripe:
    sinks = walk.sinks(stripe.name, net, lib)
    return Stripe(sinks, net_rc(pdk, stripe, net)[1] + sum(sinks.values()))


def inward(pdk: PdkConfig, memory: BlockLayout, stripes: list[BlockLayout], net: str,
           walk, lib) -> dict[str, dict[str, float]]:
    """ns from the memory's pin of `net` to each block on it, per stripe: {stripe name:
    {block name: ns}} (a block the stripe has several of, each column's interface, at its
    latest)."""
    on = [s for s in stripes if net in s.branches]
    share = {s.name: stripe_share(pdk, s, net, walk, lib) for s in on}
    bus = arrivals(pdk, memory.tracks[net], memory.branches[net],
                   {n: sh.total_pf for n, sh in share.items()}, layer="met4")
    return {s.name: {blk: bus[s.name] + t for blk, t in arrivals(
        pdk, s.tracks[net], s.branches[net], share[s.name].sinks).items()} for s in on}


def outward(pdk: PdkConfig, memory: BlockLayout, stripes: list[BlockLayout], net: str,
            driver: str, walk, lib) -> tuple[float, float]:
    """(ns, ohm) from `driver` (the block whose output `net` is, in the one stripe that has
    it) to the memory's pin: the Elmore delay with nothing beyond the pin, and the
    resistance of that way, which delays whatever hangs beyond the pin by ohm x its pF."""
    (s,) = [s for s in stripes if net in s.branches]
    share = stripe_share(pdk, s, net, walk, lib)
    lo = memory.tracks[net][0]
    bus_branches = [*memory.branches[net], Branch(lo, PIN)]
    bus_pf = net_rc(pdk, memory, net)[1]

    def way(beyond_pf: float) -> float:
        edge = arrivals(pdk, s.tracks[net], [*s.branches[net], Branch(s.tracks[net][0], EDGE)],
                        {**share.sinks, EDGE: bus_pf + beyond_pf}, root=driver)[EDGE]
        pin = arrivals(pdk, memory.tracks[net], bus_branches, {s.name: share.total_pf,
                                                               PIN: beyond_pf},
                       root=s.name, layer="met4")[PIN]
        return edge + pin

    # ns per pF is kohm: the resistance is the slope of the delay in the load beyond the pin
    t0 = way(0.0)
    return t0, (way(1.0) - t0) * 1e3


def periphery(pdk: PdkConfig, memory: BlockLayout, stripes: list[BlockLayout],
              logic: str, walk, lib) -> dict[str, dict]:
    """Every port of the folded memory timed through its wiring: {"in": {net: inward()},
    "out": {net: {"ns", "ohm"}}}; outputs are the logic's read data (`logic` its name)."""
    got: dict[str, dict] = {"in": {}, "out": {}}
    for n in sorted(memory.ports):
        if READ_DATA.fullmatch(group_of(n)):
            ns, ohm = outward(pdk, memory, stripes, n, logic, walk, lib)
            got["out"][n] = {"ns": ns, "ohm": ohm}
        else:
            got["in"][n] = inward(pdk, memory, stripes, n, walk, lib)
    return got


def summary(got: dict[str, dict], drivers: str, logic: str) -> dict[str, float]:
    """The figures the chip's paths use, by metric name (taalas__dmem__<name>):
    bus_<group>_<drivers|logic>_ns the latest a group's bit reaches a stripe's drivers or the
    logic; bus_clk_drivers_earliest_ns the earliest the clock reaches a stripe's drivers;
    bus_<wa|wd>_less_clk_ns the most a write input's bits reach a stripe's drivers after the
    clock does (the same stripe's); read_out_<group>_ns / _ohm of the read data."""
    out: dict[str, float] = {}
    by_stripe: dict[str, dict[str, float]] = {}        # group -> stripe -> latest at drivers
    for n, stripes in got["in"].items():
        g = group_of(n)
        for s, at in stripes.items():
            for role, name in (("drivers", drivers), ("logic", logic)):
                if name in at:
                    k = f"bus_{g}_{role}_ns"
                    out[k] = max(out.get(k, 0.0), at[name])
            if drivers in at:
                by_stripe.setdefault(g, {})[s] = max(by_stripe.get(g, {}).get(s, 0.0),
                                                    at[drivers])
    clk = by_stripe.get("clk", {})
    if clk:
        out["bus_clk_drivers_earliest_ns"] = min(clk.values())
    for g in ("wa", "wd"):
        common = sorted(set(by_stripe.get(g, {})) & set(clk))
        if common:
            out[f"bus_{g}_less_clk_ns"] = max(by_stripe[g][s] - clk[s] for s in common)
    for n, v in got["out"].items():
        g = group_of(n)
        for k in ("ns", "ohm"):
            key = f"read_out_{g}_{k}"
            out[key] = max(out.get(key, 0.0), v[k])
    return out
