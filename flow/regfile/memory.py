"""How the data memory is built from register-file banks: banks stacked in columns that share
their read bit lines (one bank per column drives them, chosen by the address bits above the
word), and a column multiplexer in front of the read registers. The RTL template, the layout
and the simulation bench all locate a word through this one plan."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from taalas_flow.errors import InputError
from taalas_flow.regfile.bank import BankShape

# The memory's ports carry the engine's names (dmem.v.j2): the banks' shared inputs renamed.
ENGINE_PORT = re.compile(r"clk|we|w[ad]_\d+_|r[a-z]_(addr|data)_\d+_")


def group_of(net: str) -> str:
    """The memory input or output a bit belongs to (wa_3_ -> wa, ra_data_0_ -> ra_data,
    b_RE_A_2 -> b_RE_A, clk -> clk)."""
    return re.sub(r"_\d+_?$", "", net)


def engine_name(pin: str) -> str:
    """A bank's shared input as the memory port it is (WA_3_ -> wa_3_, RA_B_0_ ->
    rb_addr_0_, CLK -> clk)."""
    if pin == "CLK":
        return "clk"
    m = re.fullmatch(r"(WA|WD)_(\d+)_", pin)
    if m:
        return f"{m.group(1).lower()}_{m.group(2)}_"
    m = re.fullmatch(r"RA_([A-Z])_(\d+)_", pin)
    if m:
        return f"r{m.group(1).lower()}_addr_{m.group(2)}_"
    return pin


@dataclass(frozen=True)
class MemoryPlan:
    depth: int                  # words the engine addresses
    width: int = 16
    read_ports: int = 2
    bank_words: int = 64
    column_banks: int = 4       # banks on one set of read bit lines

    def __post_init__(self) -> None:
        if self.depth < 1:
            raise InputError(f"a data memory of {self.depth} words")
        if self.column_banks < 1 or self.column_banks & (self.column_banks - 1):
            raise InputError(f"{self.column_banks} banks per column: must be a power of two")
        BankShape(self.bank_words, self.width, self.read_ports)

    @property
    def bank(self) -> BankShape:
        return BankShape(self.bank_words, self.width, self.read_ports)

    @property
    def word_bits(self) -> int:
        return self.bank.addr_bits

    @property
    def select_bits(self) -> int:
        return self.column_banks.bit_length() - 1

    @property
    def columns(self) -> int:
        return math.ceil(self.depth / (self.bank_words * self.column_banks))

    @property
    def banks(self) -> int:
        """Whole columns: a column with a bank missing would leave its bit lines undriven
        whenever the address selects that bank in another column."""
        return self.columns * self.column_banks

    @property
    def words(self) -> int:
        return self.banks * self.bank_words

    @property
    def column_bits(self) -> int:
        return max(1, (self.columns - 1).bit_length())

    @property
    def column_lo_bits(self) -> int:
        """The column address is predecoded in two groups (a tile ANDs one line of each):
        the low group's lines repeat every 2^lo columns, the high group's change every 2^lo."""
        return (self.column_bits + 1) // 2

    def column_lines(self, column: int) -> tuple[int, int]:
        """(high-group line, low-group line) that select `column`."""
        lo = self.column_lo_bits
        return column >> lo, column & ((1 << lo) - 1)

    @property
    def column_line_counts(self) -> tuple[int, int]:
        """Lines each group needs for this plan's columns (high, low)."""
        hi = {self.column_lines(c)[0] for c in range(self.columns)}
        lo = {self.column_lines(c)[1] for c in range(self.columns)}
        return len(hi), len(lo)

    def locate(self, addr: int) -> tuple[int, int, int]:
        """(column, bank in column, word in bank) of a word address."""
        word = addr % self.bank_words
        b = addr // self.bank_words
        return b // self.column_banks, b % self.column_banks, word

    @staticmethod
    def instance(column: int, bank: int) -> str:
        return f"u_c{column}_b{bank}"
