"""The register-file bank: its cell netlist (simulated with the PDK's cell models) behaves as a
memory with one write port and combinational read ports, and its layout is DRC clean and
LVS-equal to that netlist. Both checks must also be able to fail."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from taalas_flow.errors import InputError
from taalas_flow.pdk import load_pdk
from taalas_flow.regfile.bank import BankShape, render_bank, render_bank_model
from taalas_flow.regfile.layout import build_bank
from taalas_flow.regfile.simulate import CYCLES, simulate_bank
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs


@pytest.fixture(scope="module")
def pdk(pdk_root: Path):
    return load_pdk("sky130", pdk_root)


@pytest.mark.parametrize("shape", [BankShape(16, 8, 2), BankShape(64, 16, 2),
                                   BankShape(32, 5, 1)], ids=str)
@pytest.mark.parametrize("view", ["cells", "model"])
def test_bank_is_a_memory(pdk, tmp_path: Path, shape: BankShape, view: str) -> None:
    """The cell netlist (laid out) and the behavioural model (simulated in the engine) both
    pass the same bench."""
    out = tmp_path / f"{shape.module()}.v"
    net = render_bank(pdk, shape, out) if view == "cells" else render_bank_model(shape, out)
    r = simulate_bank(pdk, shape, net, shape.module(), tmp_path, seed=shape.words)
    assert r.compared > CYCLES * shape.read_ports * 0.7
    assert r.released > CYCLES * shape.read_ports * 0.1
    assert r.mismatches == 0


def test_bank_simulation_sees_a_wrong_wire(pdk, tmp_path: Path) -> None:
    """Row 1's write select taken from row 0's predecoder line: writes to word 1 land in
    word 0 as well, and reads show it."""
    shape = BankShape(16, 8, 2)
    net = render_bank(pdk, shape, tmp_path / f"{shape.module()}.v")
    text = net.read_text()
    good = "r1_wand (.A(W_hi0), .B(W_lo1)"
    assert good in text
    net.write_text(text.replace(good, "r1_wand (.A(W_hi0), .B(W_lo0)"))
    assert simulate_bank(pdk, shape, net, shape.module(), tmp_path, seed=3).mismatches > 0


def test_bank_shape_is_checked() -> None:
    for bad in ((48, 16, 2), (128, 16, 2), (8, 16, 1), (16, 16, 0)):
        with pytest.raises(InputError):
            BankShape(*bad)


def test_bank_layout_is_clean_and_matches_its_netlist(pdk, tmp_path: Path) -> None:
    shape = BankShape(16, 8, 2)
    blk, net, _src = build_bank(pdk, shape, tmp_path)
    gds = tmp_path / "bank.gds"
    blk.lib.write_gds(str(gds), timestamp=datetime.datetime(2026, 1, 1))
    (tmp_path / "bank.cdl").write_text(blk.cdl)
    m = blk.metrics
    assert m["cells"] == len(net.instances) and m["unconnected_ports"] == 0
    # Every bit line is one straight trunk: as many trunk pieces as rows it spans.
    assert m["trunks_met2"] == 0
    drc = run_drc(pdk, gds, tmp_path / "bank.lyrdb", feol=True, beol=True)
    assert drc.violations == 0, drc.by_rule
    lvs = run_lvs(pdk, gds, tmp_path / "bank.cdl", tmp_path / "lvs",
                  blackbox="sky130_fd_sc_hd__*")
    assert lvs.clean
    # Word 0's bit-0 flop fed from bit 1's write data in the reference: LVS must say so.
    cdl = (tmp_path / "bank.cdl").read_text()
    lines = cdl.splitlines()
    flops = [i for i, ln in enumerate(lines)
             if ln.startswith("X") and " r0_gclk " in ln and ln.endswith("dfxtp_1")]
    d0, d1 = (lines[i].split()[2] for i in flops[:2])      # dfxtp pins: CLK D ...
    assert d0 != d1
    lines[flops[0]] = lines[flops[0]].replace(f" {d0} ", f" {d1} ")
    (tmp_path / "bad.cdl").write_text("\n".join(lines))
    assert not run_lvs(pdk, gds, tmp_path / "bad.cdl", tmp_path / "lvs_bad",
                       blackbox="sky130_fd_sc_hd__*").clean
    # The build is deterministic.
    blk2, _, _ = build_bank(pdk, shape, tmp_path / "again")
    gds2 = tmp_path / "again.gds"
    blk2.lib.write_gds(str(gds2), timestamp=datetime.datetime(2026, 1, 1))
    assert gds.read_bytes() == gds2.read_bytes()


def test_bank_timing_follows_the_wiring(pdk, tmp_path: Path) -> None:
    """OpenSTA with the bank's own parasitics: the read path goes address -> predecoder ->
    row nand -> tri-state -> bit line, and a bank four times as tall reads slower."""
    from taalas_flow.regfile.timing import bank_timing, read_line_ns

    reads = {}
    for words in (16, 64):
        shape = BankShape(words, 8, 1)
        blk, net, src = build_bank(pdk, shape, tmp_path / str(words))
        t = bank_timing(pdk, blk, net, src, tmp_path / f"sta{words}", 20.0, 4, shape.ports)
        log = t.log.read_text()
        assert "_nand_A/Y" in log and "_rd_A/Z" in log
        assert 0 < t.read_ns < 20.0 and t.column_load_pf > 0
        # the line's resistance: R x (its spread wire / 2 + the end load), doubling with R
        assert t.column_load_pf == pytest.approx(3 * t.bit_line_pf)
        line = read_line_ns(t, 4, 200.0)
        assert line == pytest.approx(200.0 * (2 * t.bit_line_pf + t.end_load_pf) * 1e-3)
        assert read_line_ns(t, 4, 400.0) == pytest.approx(2 * line) and line > 0
        reads[words] = t.read_ns
        # the same bank at ff: every cell faster, the read too; its own liberty in the log
        ff = bank_timing(pdk, blk, net, src, tmp_path / f"sta{words}_ff", 20.0, 4,
                         shape.ports, "ff")
        assert ff.read_ns < t.read_ns and ff.column_load_pf == t.column_load_pf
        assert "ff_n40C_1v95" in ff.log.parent.joinpath("bank_sta.tcl").read_text()
        assert ff.hold_ws_ns != t.hold_ws_ns
    assert reads[64] > reads[16] * 1.2
