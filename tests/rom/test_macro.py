"""Whole ROM macro (address predecoder, array, word-line decoder/drivers, precharge, column
select, output flops): DRC with FEOL and BEOL, LVS against the generated netlist, readback and
the personalisation XOR."""

from pathlib import Path

import numpy as np
import pytest

from taalas_flow.errors import InputError
from taalas_flow.pdk import load_pdk
from taalas_flow.rom.macro import write_rom_macro
from taalas_flow.rom.readback import readback_bits
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs
from taalas_flow.signoff.xor import xor_gds

SHAPE, MUX = (32, 16), 8


@pytest.fixture(scope="module")
def pdk(pdk_root):
    return load_pdk("sky130", pdk_root)


@pytest.fixture(scope="module")
def macro(pdk, tmp_path_factory) -> tuple[np.ndarray, Path, Path]:
    d = tmp_path_factory.mktemp("macro")
    bits = np.random.default_rng(21).integers(0, 2, SHAPE)
    write_rom_macro(pdk, bits, MUX, d / "rom.gds", d / "rom.cdl", name="rom")
    return bits, d / "rom.gds", d / "rom.cdl"


def test_drc_feol_and_beol_clean(pdk, macro, tmp_path: Path) -> None:
    _, gds, _ = macro
    r = run_drc(pdk, gds, tmp_path / "m.lyrdb", feol=True, beol=True, offgrid=True)
    assert r.violations == 0, r.by_rule


def test_lvs_clean(pdk, macro, tmp_path: Path) -> None:
    bits, gds, cdl = macro
    r = run_lvs(pdk, gds, cdl, tmp_path)
    assert r.clean
    # Every bitcell plus the periphery's transistors were extracted.
    assert r.devices_extracted > bits.size


@pytest.mark.parametrize("fault", ["bit", "wiring", "predecoder"])
def test_lvs_detects_a_wrong_netlist(pdk, macro, tmp_path: Path, fault: str) -> None:
    bits, gds, cdl = macro
    text = cdl.read_text()
    if fault == "bit":       # one bitcell's drain moved off its bit line
        r, c = map(int, np.argwhere(bits == 1)[0])
        old = f"MB_{r}_{c} BL{c} "
        new = f"MB_{r}_{c} n_r{r}_c{c} "
    elif fault == "wiring":  # column 8's select cell wired to the wrong select line
        old, new = "Xsel_8 BL8 SEL0 ", "Xsel_8 BL8 SEL1 "
    else:                    # the predecoder's column select 1 fed the wrong polarity of A0
        old = next(line for line in text.splitlines() if line.startswith("Xpd_SEL1 "))
        old, new = old, old.replace(" A0 ", " A0_N ", 1)
        assert new != old
    assert text.count(old) == 1
    bad = tmp_path / "bad.cdl"
    bad.write_text(text.replace(old, new))
    assert not run_lvs(pdk, gds, bad, tmp_path / "lvs").clean


def test_readback_from_macro(pdk, macro) -> None:
    bits, gds, _ = macro
    back = readback_bits(pdk, gds, *SHAPE, top="rom_personality")
    assert np.array_equal(back, bits)


def test_two_images_differ_only_on_personalisation_layer(pdk, macro, tmp_path: Path) -> None:
    bits, gds, _ = macro
    other = 1 - bits
    write_rom_macro(pdk, other, MUX, tmp_path / "b.gds", tmp_path / "b.cdl", name="rom")
    r = xor_gds(gds, tmp_path / "b.gds", pdk.personalisation_gds_layers)
    assert r.only_allowed and list(r.differing) == ["70/44"]


def test_macro_is_deterministic(pdk, macro, tmp_path: Path) -> None:
    bits, gds, _ = macro
    write_rom_macro(pdk, bits.copy(), MUX, tmp_path / "a.gds", tmp_path / "a.cdl", name="rom")
    assert (tmp_path / "a.gds").read_bytes() == gds.read_bytes()


def test_bad_shapes_rejected(pdk, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="column mux"):
        write_rom_macro(pdk, np.zeros((32, 16)), 4, tmp_path / "x.gds", tmp_path / "x.cdl")
    with pytest.raises(InputError):
        write_rom_macro(pdk, np.zeros((20, 16)), 8, tmp_path / "x.gds", tmp_path / "x.cdl")


def _covering_addresses(bits: np.ndarray, mux: int, n: int) -> list[int]:
    """n word addresses, starting at the far corner, that read both a 0 and a 1 on every output."""
    words = bits.shape[0] * mux
    out = [words - 1]
    for a in np.random.default_rng(0).permutation(words):
        if len(out) == n:
            break
        seen = np.array([[bits[x // mux, s * mux + x % mux] for s in range(bits.shape[1] // mux)]
                         for x in out + [int(a)]])
        if len(out) < n - 1 or (seen.min(0) == 0).all() and (seen.max(0) == 1).all():
            out.append(int(a))
    return out


def test_transistor_level_read_returns_the_image(pdk, macro, tmp_path: Path) -> None:
    """ngspice on the LVS netlist: words read through decoder, drivers, precharge, column
    select and flops come out as the image says (tt corner)."""
    from taalas_flow.rom.simulate import simulate_reads

    bits, _, cdl = macro
    addresses = _covering_addresses(bits, MUX, 4)
    r = simulate_reads(pdk, bits, MUX, cdl.read_text(), "rom", addresses, "tt", tmp_path,
                       period_ns=10.0)
    assert (r.expected.min(0) == 0).all() and (r.expected.max(0) == 1).all()
    assert r.passed, (r.expected, r.dout_v)
    assert 0 < r.wl_to_dl_ns < 5


def test_views_lef_matches_layout_and_netlist(pdk, tmp_path: Path) -> None:
    import re

    import klayout.db as kdb

    from taalas_flow.rom.macro import write_rom_macro_views

    bits = np.random.default_rng(4).integers(0, 2, SHAPE)
    v = write_rom_macro_views(pdk, bits, MUX, tmp_path, "romv")
    lef = v["lef"].read_text()
    ly = kdb.Layout()
    ly.read(str(v["lef"]))                       # KLayout's LEF reader accepts it
    gds = kdb.Layout()
    gds.read(str(v["gds"]))
    assert ly.top_cell().bbox() == gds.cell("romv").bbox()
    cdl_pins = re.search(r"^\.SUBCKT romv (.*)$", v["cdl"].read_text(), re.M).group(1).split()
    lef_pins = re.findall(r"^  PIN (\S+)$", lef, re.M)
    assert sorted(lef_pins) == sorted(p for p in cdl_pins if p != "VNB")
    w, h = map(float, re.search(r"SIZE (\S+) BY (\S+) ;", lef).groups())
    for x0, y0, x1, y1 in re.findall(r"RECT (\S+) (\S+) (\S+) (\S+) ;", lef):
        assert 0 <= float(x0) < float(x1) <= w and 0 <= float(y0) < float(y1) <= h


def test_pin_level_verilog_reads_every_word(pdk, tmp_path: Path) -> None:
    """The macro's Verilog model, driven through its physical pins (address, PRE, CLK) with the
    read protocol of the transistor-level test, returns every word of the image; a clock edge
    while PRE is still high reads as unknown."""
    import shutil
    import subprocess

    from taalas_flow.rom.predecode import PredecodePlan
    from taalas_flow.rom.verilog import rom_macro_verilog, words_from_image

    iverilog = shutil.which("iverilog")
    assert iverilog, "iverilog is installed by scripts/install.sh"
    bits = np.random.default_rng(8).integers(0, 2, SHAPE)
    rows, cols = SHAPE
    words = words_from_image(bits, MUX)
    nbits = PredecodePlan(rows, MUX).address_bits
    assert 1 << nbits == rows * MUX
    (tmp_path / "rom.v").write_text(rom_macro_verilog(bits, MUX, "rom"))
    ins = [f"A{b}" for b in range(nbits)] + ["PRE"]
    body = []
    for a in range(rows * MUX):
        body.append("    PRE = 1; " + " ".join(f"A{b} = {a >> b & 1};" for b in range(nbits)))
        body.append(f'    #3 PRE = 0; #2 CLK = 1; #1 $display("{a} %b", DOUT); #4 CLK = 0;')
    body.append('    PRE = 1; #5 CLK = 1; #1 $display("pre %b", DOUT); #4 CLK = 0;')
    decl = ", ".join(ins)
    (tmp_path / "tb.v").write_text(
        f"`timescale 1ns/1ps\nmodule tb;\n  reg {decl}, CLK = 0;\n"
        f"  wire [{cols // MUX - 1}:0] DOUT;\n"
        f"  rom dut({', '.join(f'.{n}({n})' for n in ins)}, .CLK(CLK), .DOUT(DOUT));\n"
        "  initial begin\n" + "\n".join(body) + "\n    $finish;\n  end\nendmodule\n")
    subprocess.run([iverilog, "-g2012", "-o", str(tmp_path / "sim"), str(tmp_path / "rom.v"),
                    str(tmp_path / "tb.v")], check=True)
    out = subprocess.run(["vvp", str(tmp_path / "sim")], capture_output=True, text=True,
                         check=True).stdout
    got = {p[0]: [int(c) if c in "01" else -1 for c in reversed(p[1])]
           for p in (line.split() for line in out.splitlines()) if len(p) == 2}
    assert len(got) == rows * MUX + 1
    for a in range(rows * MUX):
        assert got[str(a)] == list(words[a]), a
    assert got["pre"] == [-1] * (cols // MUX)
