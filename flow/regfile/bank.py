"""One register-file bank: its shape and its two Verilog views, the cell netlist
(rtl_templates/regfile_bank.v.j2, what is laid out) and the behavioural model
(regfile_bank_model.v.j2, what the engine simulates)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import jinja2

from taalas_flow.errors import InputError
from taalas_flow.pdk import PdkConfig
from taalas_flow.resources import rtl_templates_dir

# 2^4..2^6 words: both predecoder groups then have 2 or 3 bits, which and2..and4 cells decode
# with the enable (the write port's low group takes WE, each read port's high group its RE).
MIN_ADDR_BITS, MAX_ADDR_BITS = 4, 6
PORT_NAMES = "ABCDEFGH"


@dataclass(frozen=True)
class BankShape:
    words: int
    width: int
    read_ports: int

    def __post_init__(self) -> None:
        aw = self.words.bit_length() - 1
        if self.words != 1 << aw or not MIN_ADDR_BITS <= aw <= MAX_ADDR_BITS:
            raise InputError(f"a register-file bank holds 2^{MIN_ADDR_BITS}..2^{MAX_ADDR_BITS} "
                             f"words (a power of two), not {self.words}",
                             "build larger memories from several banks")
        if self.width < 1 or not 1 <= self.read_ports <= len(PORT_NAMES):
            raise InputError(f"bank of width {self.width} with {self.read_ports} read ports "
                             f"(1..{len(PORT_NAMES)}) is not buildable")

    @property
    def addr_bits(self) -> int:
        return self.words.bit_length() - 1

    @property
    def ports(self) -> list[str]:
        return list(PORT_NAMES[:self.read_ports])

    @property
    def lo_bits(self) -> list[int]:
        return list(range(math.ceil(self.addr_bits / 2)))

    @property
    def hi_bits(self) -> list[int]:
        return list(range(len(self.lo_bits), self.addr_bits))

    @property
    def bits(self) -> int:
        return self.words * self.width

    def module(self, prefix: str = "taalas_rf") -> str:
        return f"{prefix}_{self.words}x{self.width}_{self.read_ports}r1w"


def _render(template: str, shape: BankShape, out: Path, name: str | None, **cells) -> Path:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(rtl_templates_dir())),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    out.write_text(env.get_template(template).render(
        name=name or shape.module(), words=shape.words, width=shape.width, ports=shape.ports,
        aw=shape.addr_bits, lo_bits=shape.lo_bits, hi_bits=shape.hi_bits, **cells))
    return out


def render_bank(pdk: PdkConfig, shape: BankShape, out: Path, name: str | None = None) -> Path:
    """The bank as sky130_fd_sc_hd cells: what is laid out and LVS-checked. The clock buffer
    and the write inputs' hold delay cells are the PDK config's (`regfile`)."""
    rf = pdk.data["regfile"]
    return _render("regfile_bank.v.j2", shape, out, name, clock_cell=rf["clock_cell"],
                   hold_cell=rf["hold_cell"], hold_stages=int(rf["hold_stages"]))


def render_bank_model(shape: BankShape, out: Path, name: str | None = None) -> Path:
    """The bank's behavioural model, same module name and pins: what the engine simulates."""
    return _render("regfile_bank_model.v.j2", shape, out, name)
