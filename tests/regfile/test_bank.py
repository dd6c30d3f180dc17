"""The register-file bank: its cell netlist (simulated with the PDK's cell models) behaves as a
memory with one write port and combinational read ports, and its layout is DRC clean and
LVS-equal to that netlist. Both checks must also be able to fail."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from taalas_flow.errors import InputError
from taalas_flow.pdk import load_pdk
from taalas_flow.regfile.bank import BankShape, render_bank
from taalas_flow.regfile.layout import build_bank
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

CYCLES = 400


def _testbench(shape: BankShape, module: str, seed: int) -> str:
    """Every word written once, then random writes and reads on all ports; inputs change at
    the falling edge, reads are compared before the rising edge against a Verilog array that
    takes the write on the rising edge (so a read of the word being written sees the old
    value)."""
    rng = np.random.default_rng(seed)
    aw, w = shape.addr_bits, shape.width
    ops = [(1, a, int(rng.integers(0, 1 << w)), [(0, 0)] * shape.read_ports)
           for a in range(shape.words)]
    for _ in range(CYCLES):
        ops.append((int(rng.random() < 0.5), int(rng.integers(0, shape.words)),
                    int(rng.integers(0, 1 << w)),
                    [(int(rng.random() < 0.8), int(rng.integers(0, shape.words)))
                     for _ in shape.ports]))
    lines = []
    for we, wa, wd, ras in ops:
        reads = " ".join(f"RE_{p} = {e}; RA_{p} = {a};"
                         for p, (e, a) in zip(shape.ports, ras, strict=True))
        lines.append(f"    step({we}, {wa}, {wd}); {reads} #2; check(); @(posedge CLK); "
                     f"if (WE) begin model[WA] = WD; valid[WA] = 1; end")
    ports = "".join(f", .RE_{p}(RE_{p}), .RA_{p}(RA_{p}), .RD_{p}(RD_{p})"
                    for p in shape.ports)
    decl = "".join(f"  reg RE_{p} = 0; reg [{aw - 1}:0] RA_{p} = 0; wire [{w - 1}:0] RD_{p};\n"
                   for p in shape.ports)
    # A disabled port drives nothing (its bit lines are shared with other banks).
    checks = "".join(
        f"    if (!RE_{p}) begin released = released + 1;\n"
        f"      if (RD_{p} !== {w}'bz) begin mismatches = mismatches + 1;\n"
        f"        $display(\"DRIVEN t=%0t port {p} got=%h\", $time, RD_{p}); end end\n"
        f"    else if (valid[RA_{p}]) begin compared = compared + 1;\n"
        f"      if (RD_{p} !== model[RA_{p}]) begin mismatches = mismatches + 1;\n"
        f"        $display(\"MISMATCH t=%0t port {p} addr %0d ref=%h got=%h\", $time, RA_{p},"
        f" model[RA_{p}], RD_{p}); end end\n" for p in shape.ports)
    return f"""`timescale 1ns/1ps
module tb;
  reg CLK = 0, WE = 0;
  reg [{aw - 1}:0] WA = 0;
  reg [{w - 1}:0] WD = 0;
{decl}  reg [{w - 1}:0] model [0:{shape.words - 1}];
  reg valid [0:{shape.words - 1}];
  integer compared = 0, released = 0, mismatches = 0, k;
  {module} dut (.CLK(CLK), .WE(WE), .WA(WA), .WD(WD){ports});
  always #5 CLK = ~CLK;
  task step(input we, input [{aw - 1}:0] wa, input [{w - 1}:0] wd);
    begin @(negedge CLK); WE = we; WA = wa; WD = wd; end
  endtask
  task check;
    begin
{checks}    end
  endtask
  initial begin
    for (k = 0; k < {shape.words}; k = k + 1) valid[k] = 0;
{chr(10).join(lines)}
    $display("COMPARED %0d RELEASED %0d MISMATCHES %0d", compared, released, mismatches);
    $finish;
  end
endmodule
"""


def _simulate(pdk, shape: BankShape, netlist: Path, d: Path, seed: int
              ) -> tuple[int, int, int]:
    """(reads compared, reads with the port disabled, mismatches)."""
    iverilog = shutil.which("iverilog")
    assert iverilog, "iverilog is installed by scripts/install.sh"
    tb = d / f"tb_{netlist.stem}.v"
    tb.write_text(_testbench(shape, shape.module(), seed))
    sim = d / f"sim_{netlist.stem}"
    subprocess.run([iverilog, "-g2012", "-DFUNCTIONAL", "-o", str(sim), str(netlist),
                    str(pdk.path("cell_verilog")), str(tb)], check=True, capture_output=True)
    out = subprocess.run(["vvp", str(sim)], capture_output=True, text=True, check=True).stdout
    last = [ln for ln in out.splitlines() if ln.startswith("COMPARED")][-1].split()
    return int(last[1]), int(last[3]), int(last[5])


@pytest.fixture(scope="module")
def pdk(pdk_root: Path):
    return load_pdk("sky130", pdk_root)


@pytest.mark.parametrize("shape", [BankShape(16, 8, 2), BankShape(64, 16, 2),
                                   BankShape(32, 5, 1)], ids=str)
def test_bank_netlist_is_a_memory(pdk, tmp_path: Path, shape: BankShape) -> None:
    net = render_bank(shape, tmp_path / f"{shape.module()}.v")
    compared, released, mismatches = _simulate(pdk, shape, net, tmp_path, seed=shape.words)
    assert compared > CYCLES * shape.read_ports * 0.7
    assert released > CYCLES * shape.read_ports * 0.1
    assert mismatches == 0


def test_bank_simulation_sees_a_wrong_wire(pdk, tmp_path: Path) -> None:
    """Row 1's write select taken from row 0's predecoder line: writes to word 1 land in
    word 0 as well, and reads show it."""
    shape = BankShape(16, 8, 2)
    net = render_bank(shape, tmp_path / f"{shape.module()}.v")
    text = net.read_text()
    good = "r1_wand (.A(W_hi0), .B(W_lo1)"
    assert good in text
    net.write_text(text.replace(good, "r1_wand (.A(W_hi0), .B(W_lo0)"))
    _compared, _released, mismatches = _simulate(pdk, shape, net, tmp_path, seed=3)
    assert mismatches > 0


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
    # Word 0's bit-0 flop fed from write-data bit 1 in the reference: LVS must say so.
    cdl = (tmp_path / "bank.cdl").read_text()
    lines = cdl.splitlines()
    k = next(i for i, ln in enumerate(lines)
             if ln.startswith("X") and " r0_gclk WD_0_ " in ln)
    lines[k] = lines[k].replace(" WD_0_ ", " WD_1_ ")
    (tmp_path / "bad.cdl").write_text("\n".join(lines))
    assert not run_lvs(pdk, gds, tmp_path / "bad.cdl", tmp_path / "lvs_bad",
                       blackbox="sky130_fd_sc_hd__*").clean
    # The build is deterministic.
    blk2, _, _ = build_bank(pdk, shape, tmp_path / "again")
    gds2 = tmp_path / "again.gds"
    blk2.lib.write_gds(str(gds2), timestamp=datetime.datetime(2026, 1, 1))
    assert gds.read_bytes() == gds2.read_bytes()
