"""A clock net's arrival at each terminal: the Elmore delay of its track and branches as drawn,
checked against the sums written out by hand for a line with taps, and for a net driven from
a branch in its middle."""

from __future__ import annotations

from pathlib import Path

import pytest

from taalas_flow.chip.channel import Branch
from taalas_flow.chip.clock import arrivals, edge_ns
from taalas_flow.pdk import load_pdk
from taalas_flow.pnr.parasitics import tech_rc

W = 0.3


@pytest.fixture(scope="module")
def pdk(pdk_root: Path):
    return load_pdk("sky130", pdk_root)


def _line(pdk, a: float, b: float) -> tuple[float, float]:
    m3 = tech_rc(pdk)[0]["met3"]
    return m3.r(W, b - a), m3.c(W, b - a)


def test_taps_on_a_line_are_its_elmore_sums(pdk) -> None:
    """Sinks at 500 um (A, 1 pF) and 1000 um (B, 2 pF) of a 1 mm track, branches without
    wire: A sees the first half's resistance into everything beyond it, B that plus the
    second half's into its own half and B."""
    r1, c1 = _line(pdk, 0, 500)
    r2, c2 = _line(pdk, 500, 1000)
    got = arrivals(pdk, (0.0, 1000.0, W), [Branch(500.0, "A"), Branch(1000.0, "B")],
                   {"A": 1.0, "B": 2.0})
    a = r1 * (c1 / 2 + c2 + 1.0 + 2.0) * 1e-3
    b = a + r2 * (c2 / 2 + 2.0) * 1e-3
    assert got["A"] == pytest.approx(a) and got["B"] == pytest.approx(b)
    assert got["B"] > got["A"] > 0


def test_a_branch_adds_its_own_rc_and_a_heavier_far_sink_delays_the_near_one(pdk) -> None:
    m4 = tech_rc(pdk)[0]["met4"]
    drop = Branch(500.0, "A", {("met4", W): 200.0}, {})
    plain = arrivals(pdk, (0.0, 1000.0, W), [Branch(500.0, "A"), Branch(1000.0, "B")],
                     {"A": 1.0, "B": 2.0})
    got = arrivals(pdk, (0.0, 1000.0, W), [drop, Branch(1000.0, "B")], {"A": 1.0, "B": 2.0})
    r1, _c1 = _line(pdk, 0, 500)
    rd, cd = m4.r(W, 200.0), m4.c(W, 200.0)
    assert got["A"] == pytest.approx(plain["A"] + (r1 * cd + rd * (cd / 2 + 1.0)) * 1e-3)
    heavier = arrivals(pdk, (0.0, 1000.0, W), [Branch(500.0, "A"), Branch(1000.0, "B")],
                       {"A": 1.0, "B": 5.0})
    assert heavier["A"] > plain["A"]


def test_a_net_driven_from_its_middle_reaches_both_ends_alike(pdk) -> None:
    """The driver's column at 500 um: equal sinks at the two ends arrive together, after
    the column's own resistance into the whole net and the half line into its end."""
    col = Branch(500.0, "drv", {("met4", W): 100.0}, {"via3": 2})
    got = arrivals(pdk, (0.0, 1000.0, W), [col, Branch(0.0, "L"), Branch(1000.0, "R")],
                   {"L": 0.5, "R": 0.5}, root="drv")
    assert got["L"] == pytest.approx(got["R"])
    assert "drv" not in got
    metals, cuts = tech_rc(pdk)
    rcol = metals["met4"].r(W, 100.0) + 2 * cuts.get("via3", 0.0)
    ccol = metals["met4"].c(W, 100.0)
    r, c = _line(pdk, 0, 500)
    total = 2 * c + 1.0 + ccol
    want = (rcol * (ccol / 2 + total - ccol) + r * (c / 2 + 0.5)) * 1e-3
    assert got["L"] == pytest.approx(want)
    with pytest.raises(ValueError, match="root"):
        arrivals(pdk, (0.0, 1000.0, W), [Branch(0.0, "L")], {}, root="drv")


def test_the_edge_slows_with_the_wire_and_keeps_the_pins() -> None:
    """No wire: the pin's edge; an ideal pin: ln 4 times the wire's Elmore delay (a single
    pole's 20-80 % time); both: their root sum of squares, never faster than either."""
    import math

    assert edge_ns(0.2, 0.0) == pytest.approx(0.2)
    assert edge_ns(0.0, 0.5) == pytest.approx(math.log(4) * 0.5)
    both = edge_ns(0.2, 0.5)
    assert both == pytest.approx(math.hypot(0.2, math.log(4) * 0.5))
    assert both > max(0.2, math.log(4) * 0.5)



def test_pin_and_budget_edges_come_from_the_config(pdk) -> None:
    """The chip pin's edge is the config's; a block laid out before the chip takes the chip's
    wire at its budget (logic.buffering.input_hold_early_ns) and its own way on top."""
    from taalas_flow.chip.clock import budget_edge_ns, pin_edge_ns

    pin = float(pdk.data["chip"]["clock_pin_transition_ns"])
    budget = float(pdk.data["logic"]["buffering"]["input_hold_early_ns"])
    assert pin_edge_ns(pdk, 0.0) == pytest.approx(pin)
    assert pin_edge_ns(pdk, 0.3) == pytest.approx(edge_ns(pin, 0.3))
    assert budget_edge_ns(pdk) == pytest.approx(edge_ns(pin, budget))
    assert budget_edge_ns(pdk, 0.2) == pytest.approx(edge_ns(pin, budget + 0.2))
    assert budget_edge_ns(pdk, 0.2) > budget_edge_ns(pdk) > pin
