"""Gate-level simulation: the MAC lane synthesised to sky130_fd_sc_hd cells (LibreLane Yosys),
simulated with the PDK's cell models, still matches the golden model bit for bit."""

import os
import sys
from pathlib import Path

from taalas_flow.pdk import load_pdk
from taalas_flow.rtl.render import render_mac_lane
from taalas_flow.synth import synthesise


def test_mac_lane_netlist_matches_golden(tmp_path: Path, pdk_root: Path) -> None:
    from cocotb_tools.runner import get_results, get_runner

    src = render_mac_lane(tmp_path / "mac_lane.v", "taalas_mac_lane", 4, 32, 128)
    res = synthesise([src], "taalas_mac_lane", "sky130", pdk_root, 10.0, "clk",
                     tmp_path / "runs", "gl")
    netlist = Path(res["run_dir"]) / "final" / "nl" / "taalas_mac_lane.nl.v"
    assert netlist.is_file()
    text = netlist.read_text()
    assert "sky130_fd_sc_hd__" in text and "always" not in text   # cells only, no behaviour
    cells = load_pdk("sky130", pdk_root).path("cell_verilog")
    runner = get_runner("icarus")
    runner.build(sources=[netlist, cells], hdl_toplevel="taalas_mac_lane",
                 build_dir=tmp_path / "build", timescale=("1ns", "1ps"),
                 # zero-delay functional cell models (with UNIT_DELAY the PDK flops mis-sample)
                 defines={"FUNCTIONAL": 1})
    env = dict(os.environ, TAALAS_W_BITS="4", TAALAS_ROWS="3")
    here = str(Path(__file__).parent)
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
    sys.path.insert(0, here)
    xml = runner.test(hdl_toplevel="taalas_mac_lane", test_module="cocotb_mac_lane",
                      build_dir=tmp_path / "build", test_dir=tmp_path, extra_env=env)
    total, failed = get_results(xml)
    assert total == 1 and failed == 0
