"""What Taalas.ChipTop takes from the earlier steps' metrics for the blocks' own wiring: the
data memory's bus figures as they are, its read data's way out into the chip's load beyond
its pin (the series Elmore term: the way's resistance times the worst bit's chip wire and
one gate input), each ROM port's figures, and nothing from metrics that are not theirs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from taalas_flow.pdk import load_pdk


def test_block_wiring_takes_the_memory_and_port_figures(pdk_root: Path) -> None:
    import librelane.flows  # noqa: F401  (LibreLane's steps register before ours)

    from taalas_flow.chip.wires import ChipWire
    from taalas_flow.steps.chip_steps import ChipTop

    pdk = load_pdk("sky130", pdk_root)
    metrics = {"taalas__dmem__bus_clk_logic_ns": 0.02, "taalas__dmem__bus_wa_less_clk_ns": -0.01,
               "taalas__dmem__read_out_ra_data_ns": 0.004,
               "taalas__dmem__read_out_ra_data_ohm": 100.0,
               "taalas__dmem__drive_clk_ns": 3.4, "design__instance__count": "n/a",
               **{f"taalas__rom_port__{k}__{m}": 0.5 for k in ("wrom", "prom")
                  for m in ("addr_wire_ns", "dout_wire_ns", "dout_clk_to_q_ns", "width_um")}}
    wires = {"ra_data_0_": ChipWire(50.0, 0.8, 900.0), "ra_data_1_": ChipWire(60.0, 1.2, 1300.0),
             "ra_addr_0_": ChipWire(70.0, 9.0, 2000.0)}
    mbus, rom = ChipTop._block_wiring(None, pdk, SimpleNamespace(metrics=metrics), wires)
    gate = float(pdk.data["synthesis"]["output_load_pf"])
    assert mbus == {"bus_clk_logic_ns": 0.02, "bus_wa_less_clk_ns": -0.01,
                    "read_out_ra_data_ns": pytest.approx(0.004 + 100.0 * (1.2 + gate) * 1e-3)}
    assert rom == {k: {"addr_wire_ns": 0.5, "dout_wire_ns": 0.5, "dout_clk_to_q_ns": 0.5}
                   for k in ("wrom", "prom")}


def test_write_hold_is_taken_at_every_hold_corner_the_memory_measured(pdk_root: Path
                                                                      ) -> None:
    """The memory's figures per hold corner (tt's metrics unsuffixed, ff's with _ff); the core
    is held to the most either corner asks; a memory measured at tt alone gives tt's."""
    import librelane.flows  # noqa: F401  (LibreLane's steps register before ours)

    from taalas_flow.chip.timing import memory_write_out_min
    from taalas_flow.pnr.buffering import BufferPolicy
    from taalas_flow.steps.chip_steps import _write_hold_figures, _write_out_min

    pdk = load_pdk("sky130", pdk_root)
    tt = {"taalas__dmem__drive_clk_ns": 3.0, "taalas__dmem__bank_hold_ws_ns": 0.2,
          "taalas__dmem__drive_wa_earliest_ns": 0.4, "taalas__dmem__drive_wd_earliest_ns": 0.5,
          "taalas__dmem__bus_clk_drivers_ns": 0.1}
    ff = {"taalas__dmem__drive_clk_ff_ns": 2.5, "taalas__dmem__bank_hold_ws_ff_ns": -0.4,
          "taalas__dmem__drive_wa_earliest_ff_ns": 0.1,
          "taalas__dmem__drive_wd_earliest_ff_ns": 0.9}
    both = SimpleNamespace(metrics={**tt, **ff})
    assert _write_hold_figures(both, "tt") == (3.0, 0.2, {"wa": 0.4, "wd": 0.5})
    assert _write_hold_figures(both, "ff") == (2.5, -0.4, {"wa": 0.1, "wd": 0.9})
    only_tt = SimpleNamespace(metrics=tt)
    assert _write_hold_figures(only_tt, "ff") is None
    pol = BufferPolicy.of(pdk)

    def need(clock: float, hold: float, early: dict[str, float]) -> dict[str, float]:
        return memory_write_out_min(early, clock, hold, 0.1, pol.input_hold_early_ns,
                                    pol.hold_margin_ns)
    a, b = need(3.0, 0.2, {"wa": 0.4, "wd": 0.5}), need(2.5, -0.4, {"wa": 0.1, "wd": 0.9})
    got = _write_out_min(pdk, both)
    assert got == {p: max(a[p], b[p]) for p in ("wa", "wd", "we")}
    # the clock's lateness less the input's and the bank's hold slack: wa 2.4 at tt, 2.8
    # at ff; wd 2.3 at tt, 2.0 at ff; we 2.8 at tt, 2.9 at ff
    assert got["wa"] == b["wa"] > a["wa"] and got["wd"] == a["wd"] > b["wd"]
    assert got["we"] == b["we"] > a["we"]
    assert _write_out_min(pdk, only_tt) == a
    assert _write_out_min(pdk, SimpleNamespace(metrics={})) == {}
