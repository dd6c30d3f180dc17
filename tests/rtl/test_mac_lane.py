"""Rendered MAC lane RTL vs the golden model, bit for bit (cocotb on Icarus)."""

import os
import sys
from pathlib import Path

import pytest

from taalas_flow.rtl.render import render_mac_lane


@pytest.mark.parametrize("bits", [3, 4, 6])
def test_mac_lane_matches_golden(tmp_path: Path, bits: int) -> None:
    from cocotb_tools.runner import get_runner

    src = render_mac_lane(tmp_path / "mac_lane.v", "taalas_mac_lane", bits, 32, 128)
    runner = get_runner("icarus")
    runner.build(sources=[src], hdl_toplevel="taalas_mac_lane", build_dir=tmp_path / "build",
                 timescale=("1ns", "1ps"))
    env = dict(os.environ, TAALAS_W_BITS=str(bits), TAALAS_ROWS="16")
    here = str(Path(__file__).parent)
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
    sys.path.insert(0, here)
    results = runner.test(hdl_toplevel="taalas_mac_lane", test_module="cocotb_mac_lane",
                          build_dir=tmp_path / "build", test_dir=tmp_path, extra_env=env)
    from cocotb_tools.runner import get_results

    total, failed = get_results(results)
    assert total == 1 and failed == 0
