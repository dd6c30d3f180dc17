"""Buffer trees on a placed block: every driver within its load limit, the clock tree balanced,
the synthesised netlist recoverable, and the buffered block DRC and LVS clean."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from taalas_flow.errors import InputError
from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.pdk import load_pdk
from taalas_flow.pnr.block import build_block
from taalas_flow.pnr.buffering import (
    BufferPolicy,
    buffer_ports,
    check_unbuffered,
    clock_out,
    hold_cells_needed,
    insert_hold_delays,
    place_buffered,
    port_buffer_inputs,
)
from taalas_flow.pnr.netlist import Instance, read_gate_netlist, write_verilog
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

PREFIX = "sky130_fd_sc_hd__"
N = 120


def fan_netlist() -> str:
    """One flop's output drives 2N gate inputs; the clock drives N+1 flops."""
    lines = ["module fan(clk, d, y);", "  input clk;", "  input d;",
             f"  output [{N - 1}:0] y;", "  wire hot;",
             f"  {PREFIX}dfxtp_2 r0 (.CLK(clk), .D(d), .Q(hot));"]
    for k in range(N):
        lines += [f"  wire w{k};",
                  f"  {PREFIX}nand2_2 g{k} (.A(hot), .B(hot), .Y(w{k}));",
                  f"  {PREFIX}dfxtp_2 f{k} (.CLK(clk), .D(w{k}), .Q(y[{k}]));"]
    return "\n".join(lines + ["endmodule", ""])


@pytest.fixture(scope="module")
def pdk(pdk_root):
    return load_pdk("sky130", pdk_root)


@pytest.fixture(scope="module")
def fan(pdk, tmp_path_factory):
    d = tmp_path_factory.mktemp("fan")
    (d / "fan.v").write_text(fan_netlist())
    net = read_gate_netlist(d / "fan.v", "fan", PREFIX)
    return d, net, place_buffered(pdk, net, "clk", n_rows=8)


def _depth(net, inst: str, pin: str, buffers: set[str]) -> int:
    """Buffers between a pin and the net's original driver."""
    drv = {i.conns[p]: i for i in net.instances for p in ("X",) if i.name in buffers}
    n = next(i for i in net.instances if i.name == inst).conns[pin]
    k = 0
    while n in drv:
        n = drv[n].conns["A"]
        k += 1
    return k


def test_buffer_trees_meet_the_limits(pdk, fan) -> None:
    _d, net, b = fan
    pol = BufferPolicy.of(pdk)
    assert b.clock_buffers > 0 and len(b.buffers) > b.clock_buffers
    assert b.nets_buffered == 2                       # clk and hot
    assert b.worst_load_pf <= pol.max_load_pf
    fanout = Counter(n for i in b.net.instances for p, n in i.conns.items()
                     if p not in ("X", "Y", "Q"))
    assert max(fanout.values()) <= pol.max_fanout
    assert len(net.instances) + len(b.buffers) == len(b.net.instances)
    # every placed instance once, the buffers included
    assert sorted(i for row in b.rows for i in row) == list(range(len(b.net.instances)))


def test_clock_tree_is_balanced(fan) -> None:
    _d, _net, b = fan
    bufs = set(b.buffers)
    depths = {_depth(b.net, f"f{k}", "CLK", bufs) for k in range(N)}
    depths.add(_depth(b.net, "r0", "CLK", bufs))
    assert len(depths) == 1 and depths.pop() >= 1


def test_removing_buffers_gives_the_synthesised_netlist(fan) -> None:
    _d, net, b = fan
    check_unbuffered(b.net, net, set(b.buffers))
    # a buffer whose output feeds a different net than the one it was inserted on
    k = next(k for k, i in enumerate(b.net.instances) if i.name == "g3")
    wrong = list(b.net.instances)
    other = next(i for i in b.net.instances if i.name == "f7").conns["CLK"]
    wrong[k] = Instance("g3", wrong[k].cell, {**wrong[k].conns, "A": other})
    with pytest.raises(InputError, match="g3"):
        check_unbuffered(replace(b.net, instances=wrong), net, set(b.buffers))


@pytest.fixture(scope="module")
def fan_ports(pdk, fan):
    _d, net, _b = fan
    return place_buffered(pdk, net, "clk", n_rows=8, port_buffers=True)


def test_port_buffers_drive_every_output(pdk, fan, fan_ports) -> None:
    """Each output y[k] is driven by a port buffer whose input is what f<k> drove; the port
    keeps its name, and removing the buffers gives back the synthesised netlist."""
    _d, net, b = fan
    pb = fan_ports
    assert pb.port_buffers == N and len(pb.buffers) == len(b.buffers) + N
    drv = {n: i for i in pb.net.instances for p, n in i.conns.items() if p in ("X", "Q")}
    cell = PREFIX + BufferPolicy.of(pdk).port_cell
    for k in range(N):
        buf = drv[f"y[{k}]"]
        assert buf.cell == cell and buf.name in pb.buffers
        assert drv[buf.conns["A"]].name == f"f{k}"
    check_unbuffered(pb.net, net, set(pb.buffers))
    # a port buffer fed from the wrong register is caught
    k = next(k for k, i in enumerate(pb.net.instances) if i.name == drv["y[1]"].name)
    wrong = list(pb.net.instances)
    wrong[k] = Instance(wrong[k].name, wrong[k].cell,
                        {**wrong[k].conns, "A": drv["y[2]"].conns["A"]})
    with pytest.raises(InputError):
        check_unbuffered(replace(pb.net, instances=wrong), net, set(pb.buffers))


def test_port_buffered_block_lvs(pdk, fan, fan_ports, tmp_path: Path) -> None:
    blk = build_block(pdk, fan_ports.net, "fan", rows=fan_ports.rows)
    blk.lib.write_gds(str(tmp_path / "fan.gds"), timestamp=GDS_TIMESTAMP)
    (tmp_path / "fan.cdl").write_text(blk.cdl)
    drc = run_drc(pdk, tmp_path / "fan.gds", tmp_path / "fan.lyrdb", feol=False)
    assert drc.violations == 0, drc.by_rule
    lvs = run_lvs(pdk, tmp_path / "fan.gds", tmp_path / "fan.cdl", tmp_path / "lvs",
                  blackbox=PREFIX + "*")
    assert lvs.clean, lvs.log


def test_buffer_ports_on_an_unplaced_netlist(pdk, fan, tmp_path: Path) -> None:
    """The netlist-only port buffers (a block build_block places as it is): the named
    outputs through the port cell, the rest untouched, the result written and read back
    equal; an input or an unknown port is refused."""
    _d, net, _b = fan
    out, added = buffer_ports(pdk, net, [f"y[{k}]" for k in range(0, N, 2)])
    assert added == N // 2 and len(out.instances) == len(net.instances) + added
    drv = {n: i for i in out.instances for p, n in i.conns.items() if p in ("X", "Q")}
    cell = PREFIX + BufferPolicy.of(pdk).port_cell
    for k in range(N):
        if k % 2:
            assert drv[f"y[{k}]"].name == f"f{k}"
        else:
            assert drv[f"y[{k}]"].cell == cell and drv[drv[f"y[{k}]"].conns["A"]].name == f"f{k}"
    write_verilog(out, tmp_path / "fan.v")
    back = read_gate_netlist(tmp_path / "fan.v", "fan", PREFIX)
    assert back.instances == out.instances and back.ports == out.ports
    for bad in (["d"], ["nope"]):
        with pytest.raises(InputError, match="not an output port"):
            buffer_ports(pdk, net, bad)
    # a port's hold delay goes ahead of its buffer: the buffer's input, for buffered ports
    at = port_buffer_inputs(out, ["y[0]", "y[2]"])
    assert {p: drv[p].name for p in at} == {p: i for p, (i, _pin) in at.items()}
    assert {pin for _i, pin in at.values()} == {"A"}
    with pytest.raises(InputError, match="no buffer"):
        port_buffer_inputs(out, ["y[1]"])


def test_clock_out_drives_a_new_port_from_the_clock(pdk, fan, tmp_path: Path) -> None:
    """A block's clock also leaves it through one buffer (a ROM port's macros): the new
    output is that buffer's, its input the clock, whose own sinks stay where they were; the
    netlist reads back equal; a clock that is no input or a port name taken is refused."""
    _d, net, _b = fan
    out = clock_out(pdk, net, "clk", "MCLK", "buf_16")
    assert out.ports["MCLK"] == "output" and len(out.instances) == len(net.instances) + 1
    buf = out.instances[-1]
    assert buf.cell == PREFIX + "buf_16" and buf.conns == {"A": "clk", "X": "MCLK"}
    assert out.nets["clk"][:-1] == net.nets["clk"]
    write_verilog(out, tmp_path / "fan.v")
    back = read_gate_netlist(tmp_path / "fan.v", "fan", PREFIX)
    assert back.instances == out.instances and back.ports == out.ports
    with pytest.raises(InputError, match="not an input"):
        clock_out(pdk, net, "y[0]", "MCLK", "buf_16")
    with pytest.raises(InputError, match="already"):
        clock_out(pdk, net, "clk", "d", "buf_16")


def test_verilog_round_trip(fan, tmp_path: Path) -> None:
    _d, _net, b = fan
    write_verilog(b.net, tmp_path / "fan_buf.v")
    back = read_gate_netlist(tmp_path / "fan_buf.v", "fan", PREFIX)
    assert back.ports == b.net.ports
    assert [(i.name, i.cell, i.conns) for i in back.instances] == \
        [(i.name, i.cell, i.conns) for i in b.net.instances]


def test_hold_delays_go_before_their_pins(pdk, fan) -> None:
    _d, _net, b = fan
    net, rows, n = insert_hold_delays(pdk, b.net, b.rows, {("f3", "D"), (r"f\4", "D")})
    assert n == 2
    by_name = {i.name: k for k, i in enumerate(net.instances)}
    for f in ("f3", "f4"):
        d_net = net.instances[by_name[f]].conns["D"]
        (dly,) = [i for i in net.instances if i.conns.get("X") == d_net]
        assert dly.cell == PREFIX + BufferPolicy.of(pdk).hold_cell
        row = next(r for r in rows if by_name[f] in r)
        assert row[row.index(by_name[f]) - 1] == by_name[dly.name]
    with pytest.raises(InputError, match="lacks"):
        insert_hold_delays(pdk, b.net, b.rows, {("nope", "D")})


def test_a_chain_of_delay_cells_goes_before_a_pin_in_order(pdk, fan) -> None:
    """Three cells before f3's D: the pin's old net enters the first, the last drives the
    pin, all three sit just before f3 in its row; the netlist comes back without them."""
    _d, _net, b = fan
    net, rows, n = insert_hold_delays(pdk, b.net, b.rows, {("f3", "D"): 3, ("f5", "D"): 1})
    assert n == 4
    by_name = {i.name: k for k, i in enumerate(net.instances)}
    old = next(i for i in b.net.instances if i.name == "f3").conns["D"]
    drv = {i.conns["X"]: i for i in net.instances if i.name.startswith("_taalas_hold")}
    chain, x = [], net.instances[by_name["f3"]].conns["D"]
    while x in drv:
        chain.append(drv[x].name)
        x = drv[x].conns["A"]
    assert len(chain) == 3 and x == old
    row = next(r for r in rows if by_name["f3"] in r)
    k = row.index(by_name["f3"])
    assert row[k - 3:k] == [by_name[c] for c in reversed(chain)]


def test_delay_cells_needed_cover_the_worst_corner() -> None:
    """Counted to twice the margin: a pin 0.65 ns short of 0.2 at tt with 0.25 ns cells
    needs 3; one short at two corners takes the larger count (ff: 0.3 / 0.1); a pin at
    the margin needs none."""
    cell = {"tt": 0.25, "ff": 0.1}
    need = hold_cells_needed({("a", "D"): {"tt": -0.45},
                              ("b", "D"): {"tt": 0.05, "ff": -0.1},
                              ("c", "D"): {"tt": 0.1}}, 0.1, cell)
    assert need == {("a", "D"): 3, ("b", "D"): 3}


def test_buffered_block_drc_lvs(pdk, fan) -> None:
    """The buffered netlist, with two hold delay cells, as layout."""
    d, _net, b = fan
    net, rows, _n = insert_hold_delays(pdk, b.net, b.rows, {("f3", "D"), ("f9", "D")})
    blk = build_block(pdk, net, "fan", rows=rows)
    blk.lib.write_gds(str(d / "fan.gds"), timestamp=GDS_TIMESTAMP)
    (d / "fan.cdl").write_text(blk.cdl)
    drc = run_drc(pdk, d / "fan.gds", d / "fan.lyrdb", feol=True, beol=True)
    assert drc.violations == 0, drc.by_rule
    lvs = run_lvs(pdk, d / "fan.gds", d / "fan.cdl", d / "lvs", blackbox=PREFIX + "*")
    assert lvs.clean, lvs.log


def test_sizing_follows_the_drawn_load(pdk, fan) -> None:
    """A flop driving 0.5 pF of wire becomes its strongest variant whose pins the router
    reaches; light nets keep their cells; connections never change."""
    from taalas_flow.pnr.buffering import size_drivers

    _d, net, _b = fan
    sized, n = size_drivers(pdk, net, lambda x: 0.5 if x == "hot" else 0.0)
    assert n == 1
    r0 = next(i for i in sized.instances if i.name == "r0")
    assert r0.cell != PREFIX + "dfxtp_2" and r0.cell.startswith(PREFIX + "dfxtp_")
    assert [i.conns for i in sized.instances] == [i.conns for i in net.instances]
    assert [i.cell for i in sized.instances if i.name != "r0"] == \
        [i.cell for i in net.instances if i.name != "r0"]


def test_short_hold_endpoints_are_read_from_opensta(pdk, fan, tmp_path: Path) -> None:
    """With a margin above every slack, every flop's D is listed (and no other pin); with a
    margin below every slack, none."""
    import librelane.flows  # noqa: F401  (LibreLane's steps register before ours)

    from taalas_flow.pnr.parasitics import write_spef
    from taalas_flow.steps.sta import corner_timing
    from taalas_flow.toolchain import require_tool

    _d, _net, b = fan
    blk = build_block(pdk, b.net, "fan", rows=b.rows)
    write_verilog(b.net, tmp_path / "fan.v")
    write_spef(pdk, blk, b.net, tmp_path / "fan.spef")
    sta = require_tool("sta", "timing")
    args = (pdk, str(tmp_path / "fan.v"), "fan", str(tmp_path / "fan.spef"), 10.0, "clk")
    every = corner_timing(sta, *args, tmp_path, hold_margin=100.0)
    assert every.short_hold == {(f"f{k}", "D") for k in range(N)}
    none = corner_timing(sta, *args, tmp_path, hold_margin=-100.0)
    assert none.short_hold == set()
    # the same runs time the layout: one slack pair per corner, the same in both
    assert set(none.slacks) == {"tt", "ss", "ff"} and none.slacks == every.slacks
    assert corner_timing(sta, *args, tmp_path).short_hold == set()
    # the input d reaches r0's D straight: an input that may change 5 ns before the clock
    # pin sees the edge puts r0 short, with its slack per corner; the slacks stay the same
    early = corner_timing(sta, *args, tmp_path, hold_margin=0.1, input_early=5.0)
    assert ("r0", "D") in early.short_hold
    assert set(early.hold_slack[("r0", "D")]) == {"tt", "ss", "ff"}
    assert all(v < -4.0 for v in early.hold_slack[("r0", "D")].values())
    assert early.slacks == every.slacks
    assert ("r0", "D") not in corner_timing(sta, *args, tmp_path, hold_margin=0.1).short_hold
    # an output that may not change before 5 ns after the edge: listed as (port, "")
    held = corner_timing(sta, *args, tmp_path, hold_margin=0.1, output_min={"y[0]": 5.0})
    assert ("y[0]", "") in held.short_hold and ("y[1]", "") not in held.short_hold
    assert all(-5.0 < v < -3.0 for v in held.hold_slack[("y[0]", "")].values()), held.hold_slack
    # a slower clock edge at the clock pin reaches the flops later: hold slacks shrink
    slow = corner_timing(sta, *args, tmp_path, hold_margin=0.1, input_early=5.0,
                         clock_transition=1.0)
    assert slow.hold_slack[("r0", "D")]["tt"] < early.hold_slack[("r0", "D")]["tt"]


def test_port_timing_is_the_blocks_share_of_each_port_path(pdk, fan, tmp_path: Path) -> None:
    """The input's allowance grows with the period one for one and the output's arrival does
    not move; the clock port is not a data port; the output settles after clock-to-Q, and
    first changes no later than it settles."""
    import librelane.flows  # noqa: F401  (LibreLane's steps register before ours)

    from taalas_flow.pnr.parasitics import write_spef
    from taalas_flow.steps.sta import port_timing
    from taalas_flow.toolchain import require_tool

    _d, _net, b = fan
    blk = build_block(pdk, b.net, "fan", rows=b.rows)
    write_verilog(b.net, tmp_path / "fan.v")
    write_spef(pdk, blk, b.net, tmp_path / "fan.spef")
    sta = require_tool("sta", "timing")
    args = (pdk, str(tmp_path / "fan.v"), "fan", str(tmp_path / "fan.spef"))
    at10 = port_timing(sta, *args, 10.0, "clk", tmp_path, "tt")
    at20 = port_timing(sta, *args, 20.0, "clk", tmp_path, "tt")
    assert set(at10["in"]) == {"d"} and set(at10["out"]) == {"y"}
    assert at20["in"]["d"] - at10["in"]["d"] == pytest.approx(10.0, abs=1e-3)
    assert at20["out"]["y"] == pytest.approx(at10["out"]["y"], abs=1e-3)
    assert 0.2 < at10["out"]["y"] < 10.0 and 0.0 < at10["in"]["d"] < 12.0
    # the output's earliest change: after clock-to-Q too, not after its latest, period-free
    assert set(at10["out_min"]) == {"y"}
    assert 0.1 < at10["out_min"]["y"] <= at10["out"]["y"]
    assert at20["out_min"]["y"] == pytest.approx(at10["out_min"]["y"], abs=1e-3)
    # the input's hold slack when it changes at the clock pin's edge: the flop's clock
    # latency less the way to its D, so a hold time; it does not move with the period
    assert set(at10["in_min"]) == {"d"}
    assert at20["in_min"]["d"] == pytest.approx(at10["in_min"]["d"], abs=1e-3)
    assert -2.0 < at10["in_min"]["d"] < 2.0
