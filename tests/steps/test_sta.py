"""OpenSTA on a block's ports with what the chip puts on them: a load on an output makes it
settle later; an input driven by another block's cell through a wire arrives later by at
least the load's share of that cell's delay, and cell_delay gives the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from taalas_flow.pdk import load_pdk

NETLIST = """module blk (clk, a, y);
  input clk;
  input a;
  output y;
  wire n, q;
  sky130_fd_sc_hd__buf_1 bi (.A(a), .X(n));
  sky130_fd_sc_hd__dfxtp_1 f (.CLK(clk), .D(n), .Q(q));
  sky130_fd_sc_hd__buf_1 bo (.A(q), .X(y));
endmodule
"""


@pytest.fixture(scope="module")
def sta_env(pdk_root: Path, tmp_path_factory):
    import librelane.flows  # noqa: F401  (LibreLane's steps register before ours)

    from taalas_flow.toolchain import require_tool

    d = tmp_path_factory.mktemp("sta")
    (d / "blk.v").write_text(NETLIST)
    return require_tool("sta", "timing"), load_pdk("sky130", pdk_root), d


def test_port_timing_sees_the_chip_loads_and_drivers(sta_env) -> None:
    from taalas_flow.steps.sta import cell_delay, port_timing

    sta, pdk, d = sta_env

    def timed(**kw):
        return port_timing(sta, pdk, str(d / "blk.v"), "blk", "", 10.0, "clk", d, "tt", **kw)

    base = timed()
    c = 0.5
    loaded = timed(loads={"a": c, "y": c}, drivers={"a": ("dfxtp_2", "Q")})
    # the output's driver (a buf_1) charges 0.5 pF: over a nanosecond later
    assert loaded["out"]["y"] > base["out"]["y"] + 1.0
    # the input's allowance after the edge shrinks by at least the load's share of the
    # driving flop's clock to Q (its slow edge also slows the first gate: more, not less)
    share = cell_delay(sta, pdk, "dfxtp_2", "Q", "tt", d, c) - \
        cell_delay(sta, pdk, "dfxtp_2", "Q", "tt", d)
    assert share > 1.0
    assert base["in"]["a"] - loaded["in"]["a"] >= 0.9 * share
    # the driver named is the one timed: a buf_16 charges the same wire far sooner
    strong = timed(loads={"a": c}, drivers={"a": ("buf_16", "X")})
    assert strong["in"]["a"] > loaded["in"]["a"] + 1.0


def test_cell_delay_is_the_liberty_arc(sta_env) -> None:
    """A flop's clock to Q unloaded is a few hundred ps and grows with the load; at ss it is
    slower than at tt."""
    from taalas_flow.steps.sta import cell_delay

    sta, pdk, d = sta_env
    q0 = cell_delay(sta, pdk, "dfxtp_2", "Q", "tt", d)
    assert 0.1 < q0 < 1.0
    assert cell_delay(sta, pdk, "dfxtp_2", "Q", "tt", d, 0.2) > q0 + 0.3
    assert cell_delay(sta, pdk, "dfxtp_2", "Q", "ss", d) > q0
    # asked from its clock pin, a flop's delay is the same arc (the clock port itself starts
    # no path in OpenSTA)
    assert cell_delay(sta, pdk, "dfxtp_2", "Q", "tt", d, from_pin="CLK") == q0
    assert 0.05 < cell_delay(sta, pdk, "mux2_1", "X", "tt", d) < 1.0


def test_cell_delay_grows_with_the_input_edge(sta_env) -> None:
    """A clock buffer at the end of a long wire sees a slow edge: its delay grows with it,
    and a flop's clock-to-Q with its clock's edge; a sharp edge is the default."""
    from taalas_flow.steps.sta import cell_delay

    sta, pdk, d = sta_env
    sharp = cell_delay(sta, pdk, "clkbuf_16", "X", "tt", d, 0.5, from_pin="A")
    slow = cell_delay(sta, pdk, "clkbuf_16", "X", "tt", d, 0.5, from_pin="A",
                      input_transition=1.0)
    assert slow > sharp + 0.05
    assert cell_delay(sta, pdk, "clkbuf_16", "X", "tt", d, 0.5, from_pin="A",
                      input_transition=0.0) == pytest.approx(sharp, abs=0.002)
    early = cell_delay(sta, pdk, "clkbuf_16", "X", "ff", d, 0.5, earliest=True,
                       input_transition=1.0)
    assert early > cell_delay(sta, pdk, "clkbuf_16", "X", "ff", d, 0.5, earliest=True)
    q = cell_delay(sta, pdk, "dfxtp_2", "Q", "tt", d)
    assert cell_delay(sta, pdk, "dfxtp_2", "Q", "tt", d, input_transition=1.0) > q + 0.02
