"""Liberty view of a ROM macro: numbers measured with ngspice and taken from the PDK, and a file
OpenSTA reads and times with."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.liberty import measure_timing, write_rom_liberty
from taalas_flow.rom.macro import write_rom_macro

SHAPE, MUX = (32, 16), 8


@pytest.fixture(scope="module")
def pdk(pdk_root):
    return load_pdk("sky130", pdk_root)


def test_liberty_from_measurements_is_timed_by_opensta(pdk, tmp_path: Path) -> None:
    bits = np.random.default_rng(2).integers(0, 2, SHAPE)
    write_rom_macro(pdk, bits, MUX, tmp_path / "rom.gds", tmp_path / "rom.cdl", name="rom")
    t = measure_timing(pdk, *SHAPE, MUX, "tt", tmp_path / "timing")
    assert t.sim_read_correct
    for stage in (t.driver_ns, t.array_access_ns, t.select_ns, t.decoder_ns, t.pre_to_p_ns,
                  t.predecode_f_ns, t.predecode_sel_ns):
        assert 0 < stage < 5
    assert t.setup_addr_ns >= t.setup_pre_ns > t.array_access_ns
    lib = write_rom_liberty(pdk, tmp_path / "rom.gds", "rom", t, tmp_path / "rom_tt.lib")

    pins = re.findall(r'pin \("(\w+)"\)', lib.read_text())
    ins = [p for p in pins if not p.startswith("DOUT")]
    outs = [p for p in pins if p.startswith("DOUT")]
    assert len(outs) == SHAPE[1] // MUX and "CLK" in ins and "PRE" in ins and "A7" in ins
    assert not any(p.startswith(("F", "SEL", "P")) and p != "PRE" for p in ins)
    (tmp_path / "top.v").write_text(
        f"module top({', '.join(pins)});\n" + "".join(f"  input {p};\n" for p in ins)
        + "".join(f"  output {p};\n" for p in outs)
        + f"  rom u0({', '.join(f'.{p}({p})' for p in pins)});\nendmodule\n")
    (tmp_path / "sta.tcl").write_text(f"""read_liberty {lib}
read_verilog {tmp_path / 'top.v'}
link_design top
create_clock -name clk -period 5 [get_ports CLK]
set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports CLK]]
report_checks -fall_to u0/PRE -digits 3
report_checks -to u0/A0 -digits 3
""")
    sta = shutil.which("sta")
    assert sta, "OpenSTA is installed by scripts/install.sh"
    out = subprocess.run([sta, "-no_init", "-exit", str(tmp_path / "sta.tcl")],
                         capture_output=True, text=True, timeout=120).stdout
    setups = [float(v) for v in re.findall(r"(-?[\d.]+)\s+[\d.]+\s+library setup time", out)]
    assert setups == pytest.approx([-t.setup_pre_ns, -t.setup_addr_ns], abs=1e-3), out


def test_pdk_liberty_reads_an_output_pins_max_capacitance(pdk) -> None:
    from taalas_flow.errors import PdkError
    from taalas_flow.rom.liberty import PdkLiberty

    tt, ss = PdkLiberty(pdk, "tt"), PdkLiberty(pdk, "ss")
    text = tt.pin("ebufn_8", "Z")
    assert tt.max_capacitance("ebufn_8", "Z") == float(
        re.search(r"max_capacitance : ([\d.]+)", text).group(1))
    # a stronger cell of the same function may drive more; each corner has its own table
    assert tt.max_capacitance("buf_16", "X") > tt.max_capacitance("buf_1", "X")
    assert ss.max_capacitance("buf_1", "X") > 0
    with pytest.raises(PdkError, match="buf_1.A has no max_capacitance"):
        tt.max_capacitance("buf_1", "A")                 # an input pin has none
