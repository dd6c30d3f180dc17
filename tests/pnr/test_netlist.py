"""The gate-netlist reader: declarations listing several ports, and a header port without a
direction refused (it would otherwise become an internal net left floating)."""

from __future__ import annotations

from pathlib import Path

import pytest

from taalas_flow.errors import InputError
from taalas_flow.pnr.netlist import read_gate_netlist

SRC = """module m (a, b, y, z);
  input a, b;
  output [1:0] y;
  output z;
  sky130_fd_sc_hd__and2_1 u0 (.A(a), .B(b), .X(y[0]));
  sky130_fd_sc_hd__or2_1 u1 (.A(a), .B(b), .X(y[1]));
  sky130_fd_sc_hd__inv_1 u2 (.A(a), .Y(z));
endmodule
"""


def test_declaration_lists_give_every_port(tmp_path: Path) -> None:
    p = tmp_path / "m.v"
    p.write_text(SRC)
    net = read_gate_netlist(p, "m", "sky130_fd_sc_hd__")
    assert net.ports == {"a": "input", "b": "input", "y[0]": "output", "y[1]": "output",
                         "z": "output"}


def test_undeclared_header_port_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "m.v"
    p.write_text(SRC.replace("  output z;\n", ""))
    with pytest.raises(InputError, match="without a direction"):
        read_gate_netlist(p, "m", "sky130_fd_sc_hd__")
