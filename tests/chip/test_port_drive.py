"""The drive check of nets between blocks: each net's driver is the core's cell for an output
and the other block's for an input, and its load is all three parts of the net."""

import pytest

from taalas_flow.chip.port_drive import port_drives
from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pdk import load_pdk
from taalas_flow.pnr.buffering import PinLoads
from taalas_flow.pnr.netlist import GateNetlist, Instance

P = "sky130_fd_sc_hd__"


@pytest.fixture(scope="module")
def lib(pdk_root):
    pdk = load_pdk("sky130", pdk_root)
    return StdCellLibrary(pdk), PinLoads(pdk)


def core() -> GateNetlist:
    """y leaves through a port buffer; a arrives on two gate inputs and a flop's D; z is
    an output nothing in the core drives; die is an input only a die pin drives."""
    return GateNetlist("core", {"y": "output", "a": "input", "clk": "input", "z": "output",
                                "die": "input"}, [
        Instance("g", P + "nand2_2", {"A": "a", "B": "a", "Y": "m"}),
        Instance("pb", P + "buf_8", {"A": "m", "X": "y"}),
        Instance("r", P + "dfxtp_1", {"CLK": "clk", "D": "a", "Q": "q"}),
        Instance("u", P + "inv_1", {"A": "die", "Y": "w"})])


def test_driver_and_load_of_each_port(lib) -> None:
    cells, loads = lib
    wire = {"y": 0.02, "a": 0.01}
    got = port_drives(cells, loads, core(), lambda p: wire.get(p, 0.0),
                      {"y": 0.5, "a": 0.3, "z": 0.1, "die": 0.2}, {"a": ("dfxtp_1", "Q")})
    assert set(got) == {"y", "a"}              # z: no core driver; die: none outside
    y, a = got["y"], got["a"]
    assert (y.cell, y.pin) == ("buf_8", "X")
    assert y.load_pf == pytest.approx(0.52)   # nothing in the core on y but its wire
    assert not y.over and y.max_cap_pf == loads.max_cap(P + "buf_8", "X")
    pins = loads.cap(P + "nand2_2", "A") + loads.cap(P + "nand2_2", "B") \
        + loads.cap(P + "dfxtp_1", "D")
    assert (a.cell, a.pin) == ("dfxtp_1", "Q")
    assert a.load_pf == pytest.approx(0.31 + pins)
    assert a.over and a.max_cap_pf < a.load_pf


def test_a_weak_output_driver_is_over(lib) -> None:
    """The engine's case before port buffers: a nor2_2 on a memory address bit."""
    cells, loads = lib
    net = GateNetlist("core", {"ra": "output", "b": "input"}, [
        Instance("n", P + "nor2_2", {"A": "b", "B": "b", "Y": "ra"})])
    got = port_drives(cells, loads, net, lambda p: 0.02, {"ra": 0.74}, {})
    assert got["ra"].cell == "nor2_2" and got["ra"].over
