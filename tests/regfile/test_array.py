"""The data memory assembled: columns side by side, each column's interface under it, one
channel. The interface's cells must do what the memory RTL says they do; the whole block is
DRC clean on its wiring layers and LVS equal to the netlist built from the plan, and LVS
fails when one interface is given another column's select lines."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from taalas_flow.pdk import load_pdk
from taalas_flow.regfile.array import build_array
from taalas_flow.regfile.column import build_column
from taalas_flow.regfile.interface import build_interface, interface_module
from taalas_flow.regfile.layout import build_bank
from taalas_flow.regfile.memory import MemoryPlan
from taalas_flow.regfile.simulate import simulate_interface
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

STAMP = datetime.datetime(2026, 1, 1)
# 5 columns of 4 banks of 16 x 8: the column address has 3 bits, predecoded 2 + 1.
PLAN = MemoryPlan(300, width=8, read_ports=2, bank_words=16, column_banks=4)


@pytest.fixture(scope="module")
def memory(pdk_root: Path, tmp_path_factory):
    pdk = load_pdk("sky130", pdk_root)
    d = tmp_path_factory.mktemp("array")
    bank, _net, _src = build_bank(pdk, PLAN.bank, d / "bank")
    col = build_column(pdk, bank, PLAN.column_banks, "col")
    name = interface_module(PLAN)
    iface, _inet, src = build_interface(pdk, PLAN, d / "iface", name, col.width)
    arr = build_array(pdk, PLAN, col, iface, "mem")
    arr.lib.write_gds(str(d / "mem.gds"), timestamp=STAMP)
    (d / "mem.cdl").write_text(arr.cdl)
    iface.lib.write_gds(str(d / "iface.gds"), timestamp=STAMP)
    return pdk, d, col, iface, src, name, arr


def test_plan_gives_every_column_its_own_pair_of_lines() -> None:
    pairs = [PLAN.column_lines(c) for c in range(PLAN.columns)]
    assert PLAN.columns == 5 and len(set(pairs)) == 5
    assert PLAN.column_line_counts == (2, 4)
    big = MemoryPlan(17152)
    assert big.columns == 67 and big.column_line_counts == (5, 16)


def test_interface_cells_do_what_the_memory_rtl_says(memory) -> None:
    pdk, d, _col, _iface, src, name, _arr = memory
    compared, mismatches, _log = simulate_interface(pdk, PLAN.column_banks, PLAN.width,
                                                    PLAN.bank.ports, src, name, d / "sim")
    assert compared > 0 and mismatches == 0


def test_interface_simulation_catches_a_crossed_bit_line(memory) -> None:
    pdk, d, _col, _iface, src, name, _arr = memory
    bad = d / "bad" / src.name
    bad.parent.mkdir(exist_ok=True)
    text = src.read_text()
    assert ".A(RD_A[3])" in text
    bad.write_text(text.replace(".A(RD_A[3])", ".A(RD_A[4])"))
    _compared, mismatches, _log = simulate_interface(pdk, PLAN.column_banks, PLAN.width,
                                                     PLAN.bank.ports, bad, name, d / "badsim")
    assert mismatches > 0


def test_memory_is_clean_and_matches_the_plan(memory) -> None:
    pdk, d, col, iface, _src, _name, arr = memory
    assert arr.width > PLAN.columns * col.width and arr.height > col.height + iface.height
    # the shared nets, the predecoded lines and the read bus leave at the left edge
    assert {"CLK", "WEB_0_", "RE_A_3", "SH_W_1", "SL_B_3", "G_A_7_", "WD_0_"} <= set(arr.ports)
    assert all(x == 0.0 for x, _y in arr.ports.values())
    drc = run_drc(pdk, d / "mem.gds", d / "mem.lyrdb", feol=False)
    assert drc.violations == 0, drc.by_rule
    drc = run_drc(pdk, d / "iface.gds", d / "iface.lyrdb", feol=True)
    assert drc.violations == 0, drc.by_rule
    assert run_lvs(pdk, d / "mem.gds", d / "mem.cdl", d / "lvs",
                   blackbox="sky130_fd_sc_hd__*").clean


def test_memory_lvs_sees_an_interface_on_the_wrong_column_lines(memory) -> None:
    pdk, d, _col, _iface, _src, _name, arr = memory
    lines = arr.cdl.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("Xif1 "))
    assert " SL_W_1 " in lines[k]
    lines[k] = lines[k].replace(" SL_W_1 ", " SL_W_2 ")
    (d / "wrong.cdl").write_text("\n".join(lines))
    assert not run_lvs(pdk, d / "mem.gds", d / "wrong.cdl", d / "lvs_wrong",
                       blackbox="sky130_fd_sc_hd__*").clean
