"""The input drivers of each stripe of the data memory (rtl_templates/dmem_drivers.v.j2): one
buffer per bit of every input that meets all the banks of a stripe (each port's word address,
the write data, the bank read enables, the clock), laid out at the stripe's left end. Without
them the engine core's address flop would drive every bank of the memory (13 pF per low
address bit in the tiny-llama memory, 124 ns from a nor2_2) and the chip's clock every bank's
clock buffer; with them each drives one buffer input per stripe and the bus between them,
and each buffer its stripe. The clock's driver (regfile.clock_driver_cell) makes the banks'
clock late by its delay: a write gains that time, and a write input's hold at the bank
loses it (chip/timing.memory_write_hold).

Beside them, the stripe's read repeaters (rtl_templates/dmem_repeaters.v.j2), the other
direction: the stripe's interfaces chain its read bits to its left end (nets
`l_G_<p>_<bit>_` there), and an OR per bit merges them with the stripe above's (`U<s>_...`,
the repeaters' output in stripe s) down to the first stripe, whose repeaters drive the global
logic's read bus G_<p>. Read timing is regfile/read_bus.py's.

The buffers' own delay is measured here too (driver_delays: the library cell into its
stripe's load, the stripe wire's Elmore delay, and each column's own way up to its farthest
bank: column_ns), since it is part of every path into the
memory that the chip's timing sums (chip/timing.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, build_block
from taalas_flow.pnr.netlist import GateNetlist, read_gate_netlist
from taalas_flow.regfile.memory import MemoryPlan, engine_name, group_of
from taalas_flow.resources import rtl_templates_dir

# A column's pins (CDL spelling) the stripe's drivers re-drive: word address, write data (both
# run through every bank), each bank's read enable (RE_<p>_<bank>, the column's own pin) and
# the clock.
BUFFERED_PIN = re.compile(r"(WA|WD|RA_[A-Z])_\d+_|RE_[A-Z]_\d+|CLK")
# The driven copy of the memory's clock (a group of driver_groups, a net with DRIVEN before it).
CLOCK = "clk"
# The stripe's net a driver output is on: its input's net with this prefix.
DRIVEN = "b_"
# A bit of the memory's global read bus (G_<port>_<bit>_, CDL spelling), and the stripe's own
# read chain's left end (its first interface's output, the repeaters' input): that net with
# this prefix.
READ_BUS = re.compile(r"G_[A-Z]_\d+_")
LOCAL = "l_"
# A stripe's repeaters' output when it is not the first stripe: the stripe below's U_ input.
STRIPE_LINK = "U{stripe}_"
# The stripe's tie-low net (the repeaters' ZERO): the ends of its chains.
ZERO = LOCAL + "ZERO"


def driver_module(plan: MemoryPlan, prefix: str = "taalas_rf") -> str:
    return f"{prefix}_drv_{plan.column_banks}x{plan.width}_{plan.read_ports}r"


def repeater_module(plan: MemoryPlan, prefix: str = "taalas_rf") -> str:
    return f"{prefix}_rep_{plan.width}_{plan.read_ports}r"


def driver_signals(plan: MemoryPlan) -> list[tuple[str, int]]:
    """(bus, bits) the drivers re-drive, named as the bank's pins are."""
    ports = plan.bank.ports
    return ([("WA", plan.word_bits), ("WD", plan.width)]
            + [(f"RA_{p}", plan.word_bits) for p in ports]
            + [(f"RE_{p}", plan.column_banks) for p in ports])


def _render(template: str, out: Path, **params) -> Path:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(rtl_templates_dir())),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    out.write_text(env.get_template(template).render(**params))
    return out


def row_cost(width: float, height: float, max_height: float, stripes: int) -> float:
    """What a left-end block of this shape adds to the folded memory, in µm of its width: its
    own width, plus every µm it stands above `max_height` (the interfaces beside it; the
    stripe's channel sits on the tallest block under it) once per stripe, since each
    stripe's channel rises by it and the memory folds close to square (default_stripes), where
    a µm of height costs about what a µm of width does."""
    return width + stripes * max(0.0, height - max_height)


def _build_rows(pdk: PdkConfig, src: Path, name: str, max_height: float, stripes: int
                ) -> tuple[BlockLayout, GateNetlist, Path]:
    """A cell netlist laid out by flow/pnr in the row count of least row_cost. (A block's
    height is bounded below by its input pins, stacked on its left edge, so more rows soon
    make it taller, not narrower: one driver more for the clock made the tiny-llama drivers
    one row less and the memory 0.20 mm wider while the cap was a hard `max_height`.) Rows
    are tried up to the first whose height excess alone costs more than the best so far."""
    net = read_gate_netlist(src, name, pdk.data["std_cell_library"] + "__")
    best = build_block(pdk, net, name, n_rows=1)
    best_cost = row_cost(best.width, best.height, max_height, stripes)
    for rows in range(2, len(net.instances) + 1):
        blk = build_block(pdk, net, name, n_rows=rows)
        if row_cost(0.0, blk.height, max_height, stripes) >= best_cost:
            break
        cost = row_cost(blk.width, blk.height, max_height, stripes)
        if cost < best_cost:
            best, best_cost = blk, cost
    return best, net, src


def build_drivers(pdk: PdkConfig, plan: MemoryPlan, workdir: Path, name: str,
                  max_height: float, stripes: int = 1
                  ) -> tuple[BlockLayout, GateNetlist, Path]:
    """The input drivers (dmem_drivers.v.j2) in the rows that cost a memory of `stripes`
    stripes least beside interfaces `max_height` tall (row_cost)."""
    workdir.mkdir(parents=True, exist_ok=True)
    rf = pdk.data["regfile"]
    src = _render("dmem_drivers.v.j2", workdir / f"{name}.v", name=name,
                  signals=driver_signals(plan), cell=rf["input_buffer_cell"],
                  clock_cell=rf["clock_driver_cell"])
    return _build_rows(pdk, src, name, max_height, stripes)


def build_repeaters(pdk: PdkConfig, plan: MemoryPlan, workdir: Path, name: str,
                    max_height: float, stripes: int = 1
                    ) -> tuple[BlockLayout, GateNetlist, Path]:
    """The read repeaters (dmem_repeaters.v.j2), rows chosen as build_drivers'."""
    workdir.mkdir(parents=True, exist_ok=True)
    src = _render("dmem_repeaters.v.j2", workdir / f"{name}.v", name=name,
                  repeater=pdk.data["regfile"]["read_repeater_cell"],
                  tie=pdk.data["regfile"]["tie_cell"], ports=plan.bank.ports, width=plan.width)
    return _build_rows(pdk, src, name, max_height, stripes)


def driver_net(pin: str, stripe: int = 0, stripes: int = 1) -> str:
    """The memory net a pin (CDL spelling) of stripe `stripe`'s (of `stripes`) drivers or
    repeaters is on: a driver input (I_WA_3_) on the memory's own net (wa_3_, RE_A_0 as the
    global logic names it), its output on that name with the DRIVEN prefix; a repeater's
    input L_A_3_ on the stripe's chain end (l_G_A_3_), its input U_A_3_ on the stripe above's
    output (U<stripe + 1>_G_A_3_; the stripe's ZERO in the last stripe), its output on the
    global read bus G_A_3_ in the first stripe and on U<stripe>_G_A_3_ in the others."""
    if pin == "ZERO":
        return ZERO
    m = re.fullmatch(r"([LU])_([A-Z]_\d+_)", pin)
    if m and m.group(1) == "L":
        return f"{LOCAL}G_{m.group(2)}"
    if m:
        return (ZERO if stripe + 1 >= stripes
                else STRIPE_LINK.format(stripe=stripe + 1) + f"G_{m.group(2)}")
    if READ_BUS.fullmatch(pin):
        return pin if stripe == 0 else STRIPE_LINK.format(stripe=stripe) + pin
    inp = pin.startswith("I_")
    p = pin[2:] if inp else pin
    m = re.fullmatch(r"(RE_[A-Z])_(\d+)_", p)
    n = f"{m.group(1)}_{m.group(2)}" if m else engine_name(p)
    return n if inp else DRIVEN + n


@dataclass(frozen=True)
class DriverLoad:
    """What one driver output meets in its stripe (also what a stripe's read bus meets:
    regfile/read_bus.chain_loads)."""
    pins_pf: float           # cell inputs (banks, at any depth)
    wire_pf: float           # every wire of the net: the stripe's channel and the banks' own
    stripe_ohm: float        # the stripe's channel wiring
    stripe_pf: float
    taps: int                # columns the net reaches, evenly spaced along the stripe
    # the worst column's own way from its pin to its farthest bank (column_ns): a shared
    # port's met4 line up through every bank, a bank's own enable's met2 up to its bank
    column_ns: float = 0.0

    @property
    def load_pf(self) -> float:
        return self.pins_pf + self.wire_pf

    def elmore_ns(self) -> float:
        """The stripe wire's Elmore delay to its last column (ohm x pF = ps): a uniform line
        (its own capacitance counts half) with the rest of the load in `taps` equal parts
        evenly along it, which the line's resistance reaches on average (taps + 1) / 2 taps
        of the way. Its drops into the columns are taken as part of the line, which
        overstates the resistance to any one column a little. Then the worst column's own
        wiring up to its farthest bank (column_ns)."""
        beyond = self.load_pf - self.stripe_pf
        share = (self.taps + 1) / (2 * self.taps) if self.taps else 1.0
        return self.stripe_ohm * (self.stripe_pf / 2 + beyond * share) * 1e-3 + self.column_ns


def column_ns(walk, lib, cell: str, pin: str, port_ohm: dict[str, float]) -> float:
    """A column's own way from its pin `pin` to its farthest bank (ns, Elmore): the pin's
    resistance up the column (build_column's port_ohm) into what the column hangs on it,
    spread over the banks it reaches like the stripe's taps ((k + 1) / 2k of the way for
    k banks), 0 for a pin it has no figure for."""
    if pin not in port_ohm:
        return 0.0
    k = max(walk.fanout(cell, pin), 1)
    return port_ohm[pin] * sum(walk.meets(cell, pin, lib)) * (k + 1) / (2 * k) * 1e-3


def stripe_loads(pdk: PdkConfig, walk, lib, stripes: list[BlockLayout], is_net,
                 columns: dict[str, dict[str, float]] | None = None
                 ) -> dict[str, dict[str, DriverLoad]]:
    """{stripe: {net: load}} of each stripe's own nets that `is_net` picks, each driven from
    one end of the stripe: `walk` is a chip.wires.CdlDrivers over the memory's CDL and wiring
    tables, `lib` the liberty (rom.liberty.PdkLiberty) its pin capacitances come from;
    `taps` every instance on the net but one (the driver, or the receiver). `columns`: per
    column cell, its pins' resistance up the column (build_column's port_ohm), for each
    load's column_ns."""
    from taalas_flow.pnr.parasitics import net_rc

    columns = columns or {}
    out: dict[str, dict[str, DriverLoad]] = {}
    for s in stripes:
        for n in sorted(n for n in s.wires if is_net(n)):
            pins, wire = walk.meets(s.name, n, lib)
            r, c = net_rc(pdk, s, n)
            col = max((column_ns(walk, lib, cell, pin, columns[cell])
                       for cell, pin in walk.on(s.name, n) if cell in columns), default=0.0)
            out.setdefault(s.name, {})[n] = DriverLoad(pins, wire, r, c,
                                                       walk.fanout(s.name, n) - 1, col)
    return out


def driver_loads(pdk: PdkConfig, walk, lib, stripes: list[BlockLayout],
                 columns: dict[str, dict[str, float]] | None = None
                 ) -> dict[str, dict[str, DriverLoad]]:
    """The drivers' outputs (stripe_loads) of a memory built with drivers (build_folded)."""
    return stripe_loads(pdk, walk, lib, stripes, lambda n: n.startswith(DRIVEN), columns)


# Inside an interface, a read port's select into its chain links.
SELECT = re.compile(r"sel_([A-Z])")


def interface_loads(pdk: PdkConfig, walk, lib, stripes: list[BlockLayout],
                    interface: BlockLayout, columns: dict[str, dict[str, float]] | None = None
                    ) -> dict[str, dict[str, DriverLoad]]:
    """{block: {net: load}} of the interfaces' outputs (stripe_loads): every write-enable
    net of every stripe (each bank's, up its column), and the interface's own select nets."""
    from taalas_flow.regfile.array import WRITE_ENABLE  # array imports this module

    return {**stripe_loads(pdk, walk, lib, stripes, WRITE_ENABLE.fullmatch, columns),
            **stripe_loads(pdk, walk, lib, [interface], SELECT.fullmatch)}


def driver_groups(loads: dict[str, dict[str, DriverLoad]]) -> dict[str, list[DriverLoad]]:
    """Loads by the memory input they carry (ra_addr, wd, RE_A, ...), every stripe and bit."""
    out: dict[str, list[DriverLoad]] = {}
    for by_net in loads.values():
        for n, ld in by_net.items():
            group = group_of(n.removeprefix(DRIVEN))
            out.setdefault(group, []).append(ld)
    return out


def stage_delay(sta: str, pdk: PdkConfig, cell: str, pin: str, loads: list, corner: str,
                workdir: Path, from_pin: str | None = None,
                edges: tuple[float, float] | None = None) -> dict[str, float]:
    """A cell driving a wire, over several loads (each with load_pf and elmore_ns()): the
    cell's delay into the largest load (OpenSTA on the library cell, steps/sta.cell_delay)
    plus the largest Elmore delay. The two worst cases may be different loads, so this
    bounds them from above. `earliest_ns` bounds them from below: the cell's shortest delay
    into the smallest load, with no wire (a column next to the driver). `max_cap_pf` is the
    pin's liberty max_capacitance at `corner`: past it the cell's tables end, and its delay
    into `load_pf` is OpenSTA's extrapolation (max_cap_violations). `from_pin`: the cell's
    delays from that input only; `edges`: the fastest and the slowest edge its inputs get
    (ns, 20-80 %), the earliest delay taken from the one, the worst from the other (sharp
    without them)."""
    from taalas_flow.rom.liberty import PdkLiberty
    from taalas_flow.steps.sta import cell_delay

    workdir.mkdir(parents=True, exist_ok=True)
    worst = max(ld.load_pf for ld in loads)
    fast, slow = edges or (None, None)
    buf = cell_delay(sta, pdk, cell, pin, corner, workdir, worst, from_pin=from_pin,
                     input_transition=slow)
    wire = max(ld.elmore_ns() for ld in loads)
    early = cell_delay(sta, pdk, cell, pin, corner, workdir,
                       min(ld.load_pf for ld in loads), earliest=True, from_pin=from_pin,
                       input_transition=fast)
    return {"load_pf": worst, "cell_ns": buf, "wire_ns": wire, "ns": buf + wire,
            "earliest_ns": early, "max_cap_pf": PdkLiberty(pdk, corner).max_capacitance(cell, pin)}


def max_cap_violations(stages: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The stages (stage_delay results by name) whose load is past their cell's
    max_capacitance: what an STA signoff's check_capacitance would flag."""
    return {k: v for k, v in stages.items() if v["load_pf"] > v["max_cap_pf"]}


def driver_delays(sta: str, pdk: PdkConfig, loads: dict[str, dict[str, DriverLoad]],
                  corner: str, workdir: Path, clock_edges: tuple[float, float] | None = None
                  ) -> dict[str, dict[str, float]]:
    """Per memory input (driver_groups), what its stripe drivers add to a path into the
    memory at `corner` (stage_delay over every stripe and bit of the input); the clock's
    (CLOCK) is the memory clock's insertion delay to the banks' clock pins, its drivers
    given the edges `clock_edges` (fastest, slowest; ns, 20-80 %; sharp without them). The
    data inputs' drivers are timed from a sharp edge: their inputs' edges are the core's."""
    rf = pdk.data["regfile"]
    return {group: stage_delay(sta, pdk, str(rf["clock_driver_cell" if group == CLOCK
                                                else "input_buffer_cell"]),
                               "X", lds, corner, workdir / group,
                               edges=clock_edges if group == CLOCK else None)
            for group, lds in sorted(driver_groups(loads).items())}
