"""Behavioural Verilog view (simulated with Icarus) and ngspice read-path characterisation."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.characterise import characterise_read
from taalas_flow.rom.verilog import image_from_words, words_from_image, write_rom_verilog


@pytest.fixture(scope="module")
def pdk(pdk_root):
    return load_pdk("sky130", pdk_root)


@pytest.mark.parametrize("mux", [1, 4])
def test_word_mapping_round_trip(mux: int) -> None:
    bits = np.random.default_rng(mux).integers(0, 2, (6, 16))
    words = words_from_image(bits, mux)
    assert words.shape == (6 * mux, 16 // mux)
    assert np.array_equal(image_from_words(words, mux), bits)
    # Word a, bit j is physical row a // mux, column j * mux + a % mux.
    a, j = 5, 2
    assert words[a, j] == bits[a // mux, j * mux + a % mux]


def test_verilog_model_reads_every_word(tmp_path: Path) -> None:
    iverilog = shutil.which("iverilog")
    assert iverilog, "iverilog is installed by scripts/install.sh"
    mux = 4
    bits = np.random.default_rng(9).integers(0, 2, (8, 32))
    words = words_from_image(bits, mux)
    depth, width = words.shape
    write_rom_verilog(bits, mux, "rom_t", tmp_path / "rom_t.v")
    (tmp_path / "tb.v").write_text(f"""
`timescale 1ns/1ps
module tb;
  reg clk = 0, en = 0; reg [4:0] addr = 0; wire [{width - 1}:0] dout; integer i;
  rom_t dut(.CLK(clk), .EN(en), .ADDR(addr), .DOUT(dout));
  always #5 clk = ~clk;
  initial begin
    for (i = 0; i < {depth}; i = i + 1) begin
      @(negedge clk); addr = i; en = 1; @(posedge clk); #1 $display("%0d %b", i, dout);
    end
    $finish;
  end
endmodule
""")
    subprocess.run([iverilog, "-g2012", "-o", str(tmp_path / "sim"), str(tmp_path / "rom_t.v"),
                    str(tmp_path / "tb.v")], check=True)
    out = subprocess.run(["vvp", str(tmp_path / "sim")], capture_output=True, text=True,
                         check=True).stdout
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            got[int(parts[0])] = [int(c) for c in reversed(parts[1])]
    assert len(got) == depth
    for a in range(depth):
        assert got[a] == list(words[a]), a


def test_read_path_simulation(pdk, tmp_path: Path) -> None:
    """A programmed far-corner bit discharges the bit line; an unprogrammed one leaves it high;
    a longer bit line (more rows) is slower."""
    small = characterise_read(pdk, 8, 8, "tt", tmp_path / "s")
    tall = characterise_read(pdk, 32, 8, "tt", tmp_path / "t")
    assert 0 < small.access_ns < tall.access_ns < 5
    assert small.bl_zero_v > 0.9 * small.vdd and tall.bl_zero_v > 0.9 * tall.vdd
    assert tall.bl_cap_ff > small.bl_cap_ff
