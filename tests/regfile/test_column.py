"""A column of register-file banks stacked by abutment: the shared ports join bank to bank
with no wiring of their own, each bank's enables come down the channel; DRC clean and LVS
equal to four bank instances on common nets. LVS must fail when the banks do not touch."""

from __future__ import annotations

import datetime
from pathlib import Path

import gdstk
import pytest

from taalas_flow.pdk import load_pdk
from taalas_flow.regfile.bank import BankShape
from taalas_flow.regfile.column import build_column
from taalas_flow.regfile.layout import build_bank
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

STAMP = datetime.datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def column(pdk_root: Path, tmp_path_factory):
    pdk = load_pdk("sky130", pdk_root)
    d = tmp_path_factory.mktemp("column")
    bank, _net, _src = build_bank(pdk, BankShape(16, 8, 2), d / "bank")
    col = build_column(pdk, bank, 4, "col")
    col.lib.write_gds(str(d / "col.gds"), timestamp=STAMP)
    (d / "col.cdl").write_text(col.cdl)
    return pdk, d, bank, col


def test_column_is_clean_and_matches(column) -> None:
    pdk, d, bank, col = column
    assert col.height == pytest.approx(4 * bank.height)
    # every shared port pinned once at the bottom; each bank's WE and read enables apart
    assert {"WE_0", "WE_3", "RE_A_2", "RE_B_1", "CLK", "WD_7_", "RD_B_0_"} <= set(col.ports)
    assert all(y == 0.0 for _x, y in col.ports.values())
    drc = run_drc(pdk, d / "col.gds", d / "col.lyrdb", feol=True)
    assert drc.violations == 0, drc.by_rule
    assert run_lvs(pdk, d / "col.gds", d / "col.cdl", d / "lvs",
                   blackbox="sky130_fd_sc_hd__*").clean


def test_column_lvs_sees_banks_apart(column) -> None:
    """Banks 1-3 lifted by 1 um: their bit lines and addresses no longer touch bank 0's."""
    pdk, d, _bank, _col = column
    lib = gdstk.read_gds(str(d / "col.gds"))
    top = next(c for c in lib.cells if c.name == "col")
    for ref in top.references:
        if ref.origin[1] > 0:
            ref.origin = (ref.origin[0], ref.origin[1] + 1.0)
    lib.write_gds(str(d / "apart.gds"), timestamp=STAMP)
    assert not run_lvs(pdk, d / "apart.gds", d / "col.cdl", d / "lvs_apart",
                       blackbox="sky130_fd_sc_hd__*").clean


def test_column_prices_each_pin_up_to_its_farthest_bank(column) -> None:
    """A shared port's way up the column is its met4 line through all four banks; a bank's
    own enable's is its met2 up the channel to that bank, so the top bank's is the longest;
    every pin has one."""
    from taalas_flow.pnr.block import TrackGeometry
    from taalas_flow.pnr.parasitics import tech_rc

    pdk, _d, bank, col = column
    ohm = col.metrics["port_ohm"]
    assert set(ohm) == set(col.ports)
    m4 = tech_rc(pdk)[0]["met4"]
    assert ohm["CLK"] == pytest.approx(m4.r(TrackGeometry.of(pdk).m4_w, 4 * bank.height))
    assert 0 < ohm["WE_0"] < ohm["WE_1"] < ohm["WE_2"] < ohm["WE_3"]
    # met2 is the resistive layer: the top bank's enable costs more than the met4 line
    assert ohm["WE_3"] > ohm["CLK"]
