"""The standard-cell view the generators use, read from the PDK."""

import pytest

from taalas_flow.errors import InputError
from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pdk import load_pdk


@pytest.fixture(scope="module")
def lib(pdk_root):
    return StdCellLibrary(load_pdk("sky130", pdk_root))


def test_cell_size_pins_and_ports(lib) -> None:
    c = lib.cell("einvp_1")
    assert c.name == "sky130_fd_sc_hd__einvp_1"
    assert c.height == float(lib.pdk.data["site"]["height"])
    assert set(c.pins) >= {"A", "TE", "Z"}
    assert c.ports[-1] == "Z" and "VPWR" in c.ports


def test_subckt_keeps_numeric_parameters_only(lib) -> None:
    text = lib.cdl_subckt("dfxtp_1")
    assert text.startswith(".SUBCKT sky130_fd_sc_hd__dfxtp_1 ")
    assert "topography" not in text and " w=" in text
    assert lib.cdl_subckt("dfxtp_1") is text      # parsed once


def test_tie_cell_outputs_are_its_rails(lib) -> None:
    """conb_1's CDL shorts LO to VGND and HI to VPWR; the probe cell's internal short to its
    output is no rail short, and a logic cell has none."""
    assert lib.rail_shorts("conb_1") == {"LO": "VGND", "HI": "VPWR"}
    assert not lib.has_devices("conb_1") and lib.has_devices("and2_4")
    text = lib.cdl_subckt("conb_1")
    assert not [ln for ln in text.splitlines() if ln.lower().startswith("r")]  # reader-safe
    assert lib.rail_shorts("probe_p_8") == {} and lib.rail_shorts("and2_4") == {}


def test_pin_point_lies_on_the_pin(lib) -> None:
    x, y = lib.pin_point("and2_4", "X")
    assert any(r[0] <= x <= r[2] and r[1] <= y <= r[3] for r in lib.cell("and2_4").pins["X"])
    with pytest.raises(InputError):
        lib.pin_point("and2_4", "X", y=100.0)


def test_unknown_cell_is_an_input_error(lib) -> None:
    with pytest.raises(InputError, match="not in the standard-cell LEF"):
        lib.cell("no_such_cell_9")
