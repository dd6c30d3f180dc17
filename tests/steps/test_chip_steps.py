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
