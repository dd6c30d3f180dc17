"""A synthesised block laid out for timing: placed, buffered on the estimated wire loads
(buffering.place_buffered), laid out, then its cells re-sized for the loads the layout really
drew and laid out again (the rows stay; only cell widths move the wiring), `sizing_passes`
times; then, given a hold check, delay cells before every register input short of hold
slack (as many as its worst corner's shortfall needs) and one more layout, repeated up to
logic.buffering.hold_passes times while the check finds any. Each pass is a full build of
the block (about a minute for the engine core), so the counts are config numbers
(logic.buffering.sizing_passes, hold_passes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, build_block
from taalas_flow.pnr.buffering import (
    Buffered,
    BufferPolicy,
    insert_hold_delays,
    place_buffered,
    size_drivers,
)
from taalas_flow.pnr.netlist import GateNetlist
from taalas_flow.pnr.parasitics import net_rc

HoldCheck = Callable[[GateNetlist, BlockLayout], dict[tuple[str, str], int]]


@dataclass
class ClosedBlock:
    block: BlockLayout
    net: GateNetlist              # what the layout is: synthesised + buffers, re-sized
    buffered: Buffered
    resized: list[int]            # cells re-sized in each pass
    hold_cells: int = 0           # delay cells added for hold
    hold_settled: bool = True     # the hold check found nothing short in the last layout


def lay_out_for_timing(pdk: PdkConfig, net: GateNetlist, name: str, clock: str | None,
                       progress: Callable[[str], None] | None = None,
                       hold_check: HoldCheck | None = None,
                       port_buffers: bool = False) -> ClosedBlock:
    """`hold_check(net, block)`: the (instance, pin) register inputs short of the hold
    margin in that layout (STA with its wiring), each with the delay cells it needs; they
    are put in and the block is laid out once more, until the check finds none or the
    passes run out (`hold_settled`: the check passed the last layout). `port_buffers`: a
    buffer on every output port (a block wired to others at the chip,
    buffering.buffer_netlist)."""
    say = progress or (lambda _m: None)
    sizing_passes = int(pdk.data["logic"]["buffering"].get("sizing_passes", 0))
    buffered = place_buffered(pdk, net, clock, progress=say, port_buffers=port_buffers)
    current = buffered.net
    block = build_block(pdk, current, name, progress=say, rows=buffered.rows)
    resized = []
    for k in range(sizing_passes):
        current, n = size_drivers(pdk, current, lambda x, b=block: net_rc(pdk, b, x)[1])
        resized.append(n)
        say(f"sizing pass {k + 1}: {n} cells up-sized for the loads as drawn")
        if not n:
            break
        block = build_block(pdk, current, name, progress=say, rows=buffered.rows)
    hold_cells, settled = 0, hold_check is None
    rows = buffered.rows
    hold_passes = BufferPolicy.of(pdk).hold_passes if hold_check else 0
    for k in range(hold_passes):
        short = hold_check(current, block)
        if not short:
            settled = True
            break
        current, rows, n = insert_hold_delays(pdk, current, rows, short)
        hold_cells += n
        say(f"hold pass {k + 1}: {n} delay cells before {len(short)} register inputs short "
            "of the margin")
        block = build_block(pdk, current, name, progress=say, rows=rows)
    return ClosedBlock(block, current, buffered, resized, hold_cells, settled)
