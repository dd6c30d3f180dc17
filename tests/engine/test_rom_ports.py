"""The ROM ports built on the physical bank macros (rom_port.v.j2 + the macros' pin-level
models) read exactly what the behavioural ROMs the engine is verified with read, cycle by
cycle, including the hold when EN is low."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from taalas_flow.engine.render import render_rom_macro_models, render_rom_ports, render_roms
from taalas_flow.engine.rom_macros import pdk_macro_shapes
from taalas_flow.pdk import load_pdk
from taalas_flow.rom.predecode import PredecodePlan

CYCLES = 300


def _testbench(kind: str, addr_w: int, width: int, depth: int, seed: int) -> str:
    """Both ROMs side by side on one clock; random EN and addresses (ADDR moves right after
    the edge, as the core's registered address logic does); DOUT compared before every edge
    once both have read."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(CYCLES):
        en = int(rng.random() < 0.6)
        steps.append(f"    @(posedge CLK); #1; EN = {en}; ADDR = {int(rng.integers(0, depth))};")
    return f"""`timescale 1ns/1ps
module tb;
  reg CLK = 0, EN = 0;
  reg [{addr_w - 1}:0] ADDR = 0;
  wire [{width - 1}:0] ref_q, phy_q;
  integer mismatches = 0, compared = 0;
  reg armed = 0;
  ref_{kind} r (.CLK(CLK), .EN(EN), .ADDR(ADDR), .DOUT(ref_q));
  taalas_engine_{kind} p (.CLK(CLK), .EN(EN), .ADDR(ADDR), .DOUT(phy_q));
  always #5 CLK = ~CLK;
  always @(posedge CLK) begin
    #4;
    if (armed) begin
      compared = compared + 1;
      if (phy_q !== ref_q) begin
        mismatches = mismatches + 1;
        $display("MISMATCH t=%0t ref=%h phy=%h", $time, ref_q, phy_q);
      end
    end
    if (EN) armed <= 1;
  end
  initial begin
{chr(10).join(steps)}
    @(posedge CLK); @(posedge CLK); #5;
    $display("COMPARED %0d MISMATCHES %0d", compared, mismatches);
    $finish;
  end
endmodule
"""


@pytest.fixture(scope="module")
def views(pdk_root: Path, tmp_path_factory, tiny_q4):
    pdk = load_pdk("sky130", pdk_root)
    qm, arch = tiny_q4
    d = tmp_path_factory.mktemp("rom_ports")
    ports = render_rom_ports(pdk, arch, d / "ports")
    models = render_rom_macro_models(pdk, arch, qm, d / "macros")
    refs = render_roms(arch, qm, d / "ref")
    return pdk, arch, d, ports, models, refs


@pytest.mark.parametrize("kind", ["wrom", "prom"])
def test_rom_port_reads_like_behavioural_rom(views, kind: str) -> None:
    iverilog = shutil.which("iverilog")
    assert iverilog, "iverilog is installed by scripts/install.sh"
    pdk, arch, d, ports, models, refs = views
    shape = pdk_macro_shapes(pdk, arch)[kind]
    assert shape.banks > 1, "the tiny-llama ROMs are column-banked: the test covers banks"
    ref = next(p for p in refs if p.stem.endswith(kind))
    # The behavioural model under another module name, so both live in one simulation.
    (d / f"ref_{kind}.v").write_text(ref.read_text().replace(
        f"module taalas_engine_{kind} ", f"module ref_{kind} ", 1))
    port = next(p for p in ports if p.stem.endswith(kind))
    banks = [p for p in models if p.stem in shape.bank_names]
    addr_w = PredecodePlan(shape.rows, shape.mux).address_bits
    (d / f"tb_{kind}.v").write_text(_testbench(kind, addr_w, shape.width,
                                               shape.rows * shape.mux, seed=len(kind)))
    sim = d / f"sim_{kind}"
    subprocess.run([iverilog, "-g2012", "-DTAALAS_SIM_DELAYS", "-o", str(sim),
                    str(d / f"ref_{kind}.v"), str(port), *map(str, banks),
                    str(d / f"tb_{kind}.v")], check=True)
    out = subprocess.run(["vvp", str(sim)], capture_output=True, text=True, check=True).stdout
    last = [ln for ln in out.splitlines() if ln.startswith("COMPARED")][-1].split()
    compared, mismatches = int(last[1]), int(last[3])
    assert compared > CYCLES * 0.9
    assert mismatches == 0, out[:2000]


def test_rom_port_sees_a_wrong_bank(views) -> None:
    """The comparison can fail: swapping the two weight banks' contents is caught."""
    iverilog = shutil.which("iverilog")
    pdk, arch, d, ports, models, refs = views
    shape = pdk_macro_shapes(pdk, arch)["wrom"]
    b0, b1 = (next(p for p in models if p.stem == n) for n in shape.bank_names[:2])
    swapped = d / "swapped"
    swapped.mkdir(exist_ok=True)
    (swapped / b0.name).write_text(b1.read_text().replace(f"module {b1.stem} ",
                                                          f"module {b0.stem} ", 1))
    (swapped / b1.name).write_text(b0.read_text().replace(f"module {b0.stem} ",
                                                          f"module {b1.stem} ", 1))
    ref = next(p for p in refs if p.stem.endswith("wrom"))
    (d / "ref_wrom.v").write_text(ref.read_text().replace(
        "module taalas_engine_wrom ", "module ref_wrom ", 1))
    port = next(p for p in ports if p.stem.endswith("wrom"))
    addr_w = PredecodePlan(shape.rows, shape.mux).address_bits
    (d / "tb_bad.v").write_text(_testbench("wrom", addr_w, shape.width,
                                           shape.rows * shape.mux, seed=7))
    subprocess.run([iverilog, "-g2012", "-DTAALAS_SIM_DELAYS", "-o", str(d / "sim_bad"),
                    str(d / "ref_wrom.v"), str(port), str(swapped / b0.name),
                    str(swapped / b1.name), str(d / "tb_bad.v")], check=True)
    out = subprocess.run(["vvp", str(d / "sim_bad")], capture_output=True, text=True,
                         check=True).stdout
    last = [ln for ln in out.splitlines() if ln.startswith("COMPARED")][-1].split()
    assert int(last[3]) > 0
