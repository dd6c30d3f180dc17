"""The chip's clock across its blocks: each path between two blocks as the sum of what each
block was measured to need, so that the clock a run reports is bounded by every path that
crosses the chip and not only by the core's own register-to-register paths.

Segments and where they come from:
- the core's share of a path through a port (steps/sta.port_timing: OpenSTA on the laid-out
  core with its wiring and clock tree): when an output settles after the clock edge, and how
  long before the capturing edge an input must arrive (period - allowance);
- a ROM macro's read at this run's bank shape (rom/liberty.measure_timing, ngspice on the
  macro's netlist and an array of its size): PRE falling to the output flops' setup, which
  has the clock's low phase (PRE is the clock), so it counts twice against the period; the
  address setup to the capturing edge; the output flop's clock to DOUT;
- the data memory's stripe drivers (regfile/drivers: the buffer cell into its stripe's load
  and the stripe wire's Elmore delay), its bank read (regfile/timing: address in to bit
  line out, OpenSTA) or write setup, and its read chains (regfile/read_bus: every link of
  a stripe's and-or chain from the farthest column to the stripe's repeater, then every
  stripe's repeater down to the read registers, each link as the worst link's cell delay
  and Elmore delay), the lines its global logic drives across it (a read's or the write's
  column lines, the write enables: the logic's decode into the line,
  regfile/logic_timing, OpenSTA on the whole logic, and the line's Elmore delay,
  regfile/logic_loads) and the read registers' capture (the logic's gate before them and
  their setup, the same STA), all at tt, so at ss they are short of the truth, which keeps
  the sum a lower bound (though each stage's own figure, its worst cell delay plus its
  worst Elmore delay, bounds that stage from above, and past a cell's max_capacitance it
  is OpenSTA's extrapolation: regfile/drivers.max_cap_violations); a write is credited
  the earliest its stripe's clock driver brings the clock to a bank (the cell's shortest
  delay into its smallest load, no wire), which keeps it one;
- the chip's wire between the blocks (chip/wires.py): the core's share is timed with the
  wire's load on its pins (an input driven by the other block's real output cell: the port
  buffer after the ROM port's output mux or the memory's read register), the cell's
  unloaded delay, the mux's or register's delay into the buffer, and the wire's own Elmore
  delay are segments of their own.

- the chip's clock (chip/clock.py): where its edge reaches each block after the chip's
  clock pin, the Elmore delay of the chip's clock net to the block's pin, and for a ROM
  port also its own CLK wire, its clock buffer and its wire to the macros' PRE and CLK; a
  path adds its launching block's arrival and subtracts its capturing block's. Elmore
  overstates each arrival, so this difference may err either way.

- the blocks' own wiring on the way (Elmore on the nets as drawn, tt): in a ROM port
  (chip/port_paths.py) the address from the port's pin to the farthest macro, and a macro's
  DOUT to the port logic, the macro's output flop timed into that wire (OpenSTA); in the
  data memory (regfile/periphery.py) an input from its pin up the memory's bus and along
  its stripe's channel to the stripe's drivers or the global logic, and from the drivers
  up each column to its farthest bank (regfile/drivers.column_ns), the clock the same way
  (to the read registers, and to each stripe's clock driver: a write's data and clock are
  taken at the same stripe), and the read data from the read registers out to the pin,
  into the chip's load beyond it.

The read bit lines' way down their column: the bank's read (regfile/timing) is timed into
the whole line's capacitance at its driver, and the line's resistance into it is added
(regfile/timing.read_line_ns, Elmore, tt).

Not in any sum, so each total is a lower bound on the period its path needs (and the clock
an upper bound): a block's wiring inside its synthesised logic between its pin and the cell
it meets (each block's own STA has it).

Hold across blocks (lower bounds on the slack; a wire's Elmore delay is counted where it
takes slack away and left out where it would give some):
- into the core (interblock_hold): every input, from another block's flop or a chip pin,
  may change as soon as the chip's clock pin sees the edge, and the core's flops see it
  after the chip's clock wire to the core and the core's own clock tree (2.5 ns at tt).
  The core is given delay cells for it while it is laid out (pdk
  logic.buffering.input_hold_early_ns); the sum checks the wire as drawn;
- into a ROM port's macros: the core's earliest address change against the macros' clock,
  the chip's wire, the port's clock buffer and its wire, and the macros' flop hold;
- into the data memory's banks (memory_write_hold): its banks' clock arrives late through
  the stripe's clock driver, so the bank's own hold slack is not the whole story; at tt
  and ff, each with the memory step's figures at that corner (the bank's hold slack and
  its stripe drivers' delays; the wires' Elmore delays are tt's, more than ff's, which
  takes slack).
Left out: the memory's read address into its read registers (through a bank read and the
read chains) and a ROM port's enable into its port logic, both far longer than their
clocks' way there."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.rom_macros import pdk_macro_shapes
from taalas_flow.pdk import PdkConfig

# Corners the inter-block paths are summed at. The macros' read at each corner is minutes of
# ngspice (the weight ROM's full-size array most of it), run beside the core's layout: at tt
# alone it costs the step almost nothing; tt and ss made the tiny-llama chip step 50 % longer.
BOUND_CORNERS = ("tt",)


def rom_read_timing(pdk: PdkConfig, arch: EngineArch, corners: tuple[str, ...],
                    workdir: Path) -> dict[str, dict[str, dict]]:
    """Per ROM and corner, the macro read timing (MacroTiming as a dict) of one bank."""
    from taalas_flow.rom.liberty import measure_timing

    out: dict[str, dict[str, dict]] = {}
    for kind, shape in pdk_macro_shapes(pdk, arch).items():
        for corner in corners:
            t = measure_timing(pdk, shape.rows, shape.bank_cols, shape.mux, corner,
                               workdir / f"{kind}_{corner}")
            out.setdefault(kind, {})[corner] = {
                **asdict(t), "bank": f"{shape.rows} x {shape.bank_cols}, mux {shape.mux}"}
    return out


def _skew(clock_at: dict[str, tuple[str, float]] | None, launch: str, capture: str
          ) -> dict[str, float]:
    """The clock's arrival at the launching block, less that at the capturing one, as two
    segments; none when either block's arrival is unknown."""
    at = clock_at or {}
    if launch not in at or capture not in at:
        return {}
    lw, lt = at[launch]
    return {f"clock at the launch: {lw}": lt, **_capture(at, capture)}


def _capture(clock_at: dict[str, tuple[str, float]] | None, block: str) -> dict[str, float]:
    """The clock's arrival at the capturing block, taken off as one segment (a hold bound
    counts it alone: Elmore is no lower bound on the launch's); none when it is unknown."""
    if not clock_at or block not in clock_at:
        return {}
    what, t = clock_at[block]
    return {f"clock at the capture: {what}": -t}


def interblock_paths(ports: dict[str, dict[str, float]], rom: dict[str, dict],
                     bank_read_ns: float | None, period: float, reg2reg_ns: float,
                     wire_ns: dict[str, float] | None = None,
                     drivers: dict[str, list[tuple[str, float]]] | None = None,
                     memory_drive: dict[str, tuple[str, float]] | None = None,
                     bank_write_ns: float | None = None,
                     read_bus: dict[str, float] | None = None,
                     memory_clock_ns: float | None = None,
                     memory_lines: dict[str, dict[str, float]] | None = None,
                     clock_at: dict[str, tuple[str, float]] | None = None,
                     memory_bus: dict[str, float] | None = None,
                     rom_ports: dict[str, dict[str, float]] | None = None,
                     bit_line_ns: float | None = None,
                     ) -> dict[str, dict]:
    """ns each path needs at one corner: {path: {"segments": {name: ns}, "total_ns": ns}}.
    `ports` is port_timing's result, `rom` the corner's macro timing per ROM; a port that
    reaches no register in the core (absent from `ports`) leaves its path out. Per port
    (bus, worst bit): `wire_ns` the chip wire's own delay (chip/wires.py), `drivers` the
    cells in the other block that drive a core input, each with its delay: the driver's
    unloaded (the loaded part is in the core's share, port_timing with the chip's loads),
    and before a port buffer the cell driving it, into the buffer's input. `memory_drive`: per
    memory input (ra_addr, rb_addr, wa, wd), its stripe drivers' cell and delay
    (regfile/drivers.driver_delays); `bank_write_ns`: how long before the clock edge a
    bank's write inputs must arrive (the period less the bank's setup slack at them);
    `read_bus`: the memory's read bus from a column's interface to the read registers, as
    segments {name: ns} (regfile/read_bus.py: the stripe's chain, then the stripes' links,
    then the read registers' capture); `memory_clock_ns`: the earliest the memory's stripe
    clock drivers bring the clock to a bank (regfile/drivers.stage_delay's earliest_ns),
    which a write into the bank has on top of the period (so subtracted from its path).
    `memory_lines`: per core port whose value the memory's global logic decodes onto a
    line across the memory (ra_addr, rb_addr: a read port's column lines; wa: the write
    column lines; we: the banks' write enables), that line's segments ({name: ns}: the
    logic's decode into it and its wire, regfile/logic_timing.py, then the interface gate
    it enables); a read's column
    line enables its column's interface onto the read bus, so its path ends with
    `read_bus`, a write's with the bank's setup. `clock_at`: per block ("core", "dmem", a
    ROM kind) where the chip's clock edge reaches it after the chip's clock pin (chip/
    clock.py), as (what it counts, ns): a path is launched that much later by its first
    block and captured that much later by its last, so it needs the difference.
    `memory_bus`: the data memory's wiring from its pins inward and from its read registers
    out (regfile/periphery.summary's figures by name; read_out_<port>_data_ns with the
    chip's load beyond the pin already in): a path into the memory gains its bus to the
    block that takes it, one captured at the read registers or a bank loses the clock's
    bus to there, one launched at the read registers gains it. `rom_ports`: per ROM, its
    port's own wiring (Taalas.RomPorts: addr_wire_ns from the port's pin to the farthest
    macro address pin, dout_wire_ns from a macro's DOUT to the port logic, and
    dout_clk_to_q_ns, the macro's output flop into that wire and the logic's pins).
    `bit_line_ns`: a read bit line's own resistance down its column after the bank's read
    (regfile/timing.read_line_ns), on a read address's way only: a column select finds the
    bit line settled."""
    wire_ns, drivers, memory_drive = wire_ns or {}, drivers or {}, memory_drive or {}
    lines, mbus, inside = memory_lines or {}, memory_bus or {}, rom_ports or {}

    def on_bus(key: str, what: str, sign: float = 1.0) -> dict[str, float]:
        return {f"{what} (Elmore, tt)": sign * mbus[key]} if key in mbus else {}

    def in_port(kind: str, key: str, what: str) -> dict[str, float]:
        return {what: inside[kind][key]} if key in inside.get(kind, {}) else {}
    seg: dict[str, dict[str, float]] = {"core register to register": {"core": reg2reg_ns}}
    out, into = ports["out"], {k: period - v for k, v in ports["in"].items()}

    def wire(port: str) -> dict[str, float]:
        return {"chip wire": wire_ns[port]} if port in wire_ns else {}

    def driver(port: str, what: str) -> dict[str, float]:
        stages = drivers.get(port, [])
        if len(stages) == 1:
            return {f"{what} ({stages[0][0]}, unloaded)": stages[0][1]}
        if not stages:
            return {}
        (cell, ns), *buffers = stages
        return {f"{what} ({cell} into the port buffer)": ns,
                **{f"port buffer ({b}, unloaded)": v for b, v in buffers}}

    def drive(port: str) -> dict[str, float]:
        if port not in memory_drive:
            return {}
        cell, ns = memory_drive[port]
        return {f"stripe driver ({cell}) and stripe wire (tt)": ns}

    for kind, t in rom.items():
        seg[f"{kind} read in the clock's low phase"] = {
            "macro PRE to capture, x 2": 2 * t["setup_pre_ns"]}
        if f"{kind}_addr" in out:
            seg[f"core -> {kind} address"] = {
                "core to pin": out[f"{kind}_addr"], **wire(f"{kind}_addr"),
                **in_port(kind, "addr_wire_ns",
                          "port wire: pin to the farthest macro address pin (Elmore, tt)"),
                "macro address setup": t["setup_addr_ns"], **_skew(clock_at, "core", kind)}
        if f"{kind}_dout" in into:
            flop = in_port(kind, "dout_clk_to_q_ns",
                           "macro clock to DOUT, its flop into the port's wire (tt)") or {
                "macro clock to DOUT (unloaded)": max(t["sim_clk_to_q_ns"].values())}
            seg[f"{kind} data -> core"] = {
                **flop, **in_port(kind, "dout_wire_ns",
                                  "port wire: macro DOUT to the port logic (Elmore, tt)"),
                **driver(f"{kind}_dout", "port output"), **wire(f"{kind}_dout"),
                "core from pin": into[f"{kind}_dout"], **_skew(clock_at, kind, "core")}
    for port in ("ra", "rb"):
        # the read registers (the memory's logic) take the memory's clock through its bus
        at_registers = "memory clock: pin to the read registers' logic"
        if f"{port}_data" in into:
            seg[f"data memory {port} read -> core"] = {
                **on_bus("bus_clk_logic_ns", at_registers),
                **driver(f"{port}_data", "read register clock to Q"),
                **on_bus(f"read_out_{port}_data_ns",
                         "memory wire: read register to its pin, into the chip's load"),
                **wire(f"{port}_data"),
                "core from pin": into[f"{port}_data"], **_skew(clock_at, "dmem", "core")}
        if bank_read_ns is not None and f"{port}_addr" in out:
            seg[f"core -> data memory {port} address"] = {
                "core to pin": out[f"{port}_addr"], **wire(f"{port}_addr"),
                **on_bus(f"bus_{port}_addr_drivers_ns",
                         "memory bus: pin to the farthest stripe's drivers"),
                **drive(f"{port}_addr"), "bank read (tt)": bank_read_ns,
                **({} if bit_line_ns is None else {
                    "read bit line down its column (Elmore, tt)": bit_line_ns}),
                **(read_bus or {}),
                **on_bus("bus_clk_logic_ns", at_registers, -1.0),
                **_skew(clock_at, "core", "dmem")}
        if f"{port}_addr" in lines and f"{port}_addr" in out:
            seg[f"core -> data memory {port} column select"] = {
                "core to pin": out[f"{port}_addr"], **wire(f"{port}_addr"),
                **on_bus(f"bus_{port}_addr_logic_ns", "memory bus: pin to the logic"),
                **lines[f"{port}_addr"], **(read_bus or {}),
                **on_bus("bus_clk_logic_ns", at_registers, -1.0),
                **_skew(clock_at, "core", "dmem")}

    if bank_write_ns is not None:
        for port, what in (("wa", "address"), ("wd", "data")):
            if port in out:
                seg[f"core -> data memory write {what}"] = {
                    "core to pin": out[port], **wire(port),
                    **on_bus(f"bus_{port}_less_clk_ns", "memory bus: pin to a stripe's "
                             "drivers, less the clock's to the same stripe's"),
                    **drive(port),
                    "bank write setup (tt)": bank_write_ns,
                    **({} if memory_clock_ns is None else {
                        "memory clock at the bank, earliest (tt)": -memory_clock_ns}),
                    **_skew(clock_at, "core", "dmem")}
        for port, what in (("wa", "column select"), ("we", "enable")):
            if port in lines and port in out:
                seg[f"core -> data memory write {what}"] = {
                    "core to pin": out[port], **wire(port),
                    **on_bus(f"bus_{port}_logic_ns", "memory bus: pin to the logic"),
                    **lines[port],
                    "bank write setup (tt)": bank_write_ns,
                    **on_bus("bus_clk_drivers_earliest_ns",
                             "memory clock: pin to the nearest stripe's drivers", -1.0),
                    **({} if memory_clock_ns is None else {
                        "memory clock at the bank, earliest (tt)": -memory_clock_ns}),
                    **_skew(clock_at, "core", "dmem")}
    return {k: {"segments": v, "total_ns": sum(v.values())} for k, v in seg.items()}


def memory_write_hold(out_min: dict[str, float], data_earliest: dict[str, float],
                      clock_latest: float, bank_hold_ws: float,
                      clock_at: dict[str, tuple[str, float]] | None = None,
                      clock_bus_latest: float | None = None) -> dict[str, dict]:
    """A lower bound on the hold slack of each write input of the data memory (wa, wd, we)
    at its banks, ns at one corner: {port: {"segments": {name: ns}, "slack_ns": ns}}.
    The bank's own hold slack (regfile/timing: clock and inputs at its pins at once) moves
    by how much later than the clock the input's new value reaches the bank: the core's
    earliest output change (`out_min`, port_timing's out_min), the stripe driver's
    earliest delay for an input it re-drives (`data_earliest`), less the latest the stripe's
    clock driver brings the clock to a bank (`clock_latest`). Left out, each of which
    only adds to the slack: the chip wire, a stripe wire's delay to the input's bank, and
    for `we` the global logic and interface it passes (only the driven inputs count a
    driver). With `clock_at` (interblock_paths'), the chip's clock reaching the memory
    that much later (Elmore, an upper bound) takes as much; its reaching the core later
    too, which would give some back, is left out (Elmore is no lower bound). With
    `clock_bus_latest` (regfile/periphery: the memory's clock from its pin to the farthest
    stripe's drivers) the bank's clock is that much later again, while the input's own way
    up the same bus, which would give most of it back, is left out with the rest."""
    skew = _capture(clock_at, "dmem")
    if clock_bus_latest is not None:
        skew = {"memory clock: pin to the farthest stripe's drivers (Elmore, tt)":
                -clock_bus_latest, **skew}
    out: dict[str, dict] = {}
    for port in ("wa", "wd", "we"):
        if port not in out_min:
            continue
        seg = {"core output, earliest": out_min[port],
               **({"stripe driver, earliest": data_earliest[port]}
                  if port in data_earliest else {}),
               "memory clock at the bank, latest": -clock_latest,
               "bank hold slack at its pins": bank_hold_ws, **skew}
        out[port] = {"segments": seg, "slack_ns": sum(seg.values())}
    return out


def memory_write_out_min(data_earliest: dict[str, float], clock_latest: float,
                         bank_hold_ws: float, clock_bus_latest: float | None,
                         clock_wire: float, margin: float) -> dict[str, float]:
    """How soon after the edge at its clock pin each of the core's write outputs (wa, wd,
    we) may first change for memory_write_hold to give `margin`, with the chip's clock
    reaching the memory `clock_wire` after its pin: what the core is held to while it is
    laid out, before the chip's wires exist (pdk logic.buffering.input_hold_early_ns
    bounds that wire)."""
    h = memory_write_hold(dict.fromkeys(("wa", "wd", "we"), 0.0), data_earliest,
                          clock_latest, bank_hold_ws, {"dmem": ("budget", clock_wire)},
                          clock_bus_latest)
    return {p: margin - v["slack_ns"] for p, v in h.items()}


# Corners the hold bounds are summed at: the ROM ports' clock buffer is in each ROM's clock
# arrival at tt, an upper bound on its delay at ff but not at ss; the core's own figures
# (OpenSTA) and the liberty's hold are per corner.
HOLD_CORNERS = ("tt", "ff")


def interblock_hold(ports: dict[str, dict[str, float]],
                    clock_at: dict[str, tuple[str, float]],
                    macro_hold: dict[str, float]) -> dict[str, dict]:
    """Lower bounds on the hold slack of each path between blocks at one corner, ns:
    {path: {"segments": {name: ns}, "slack_ns": ns}}. `ports`: port_timing's result
    (in_min: the core's hold slack at an input switching at its clock pin's edge, with the
    chip's driver and wire on it; out_min: an output's earliest change); `clock_at`:
    chip/clock's arrivals (Elmore, tt; a ROM's with its port's clock buffer); `macro_hold`:
    per ROM kind, its macros' hold time (their output flop's, the liberty's worst entry at
    the corner). An input into the core is launched no earlier than the chip's clock pin's
    edge (the launching block's clock wire and cells only add); its capture is that late
    again by the chip's clock wire to the core."""
    out: dict[str, dict] = {}
    for port, slack in sorted(ports.get("in_min", {}).items()):
        out[f"{port} -> core"] = {"segments": {
            "core: hold slack from its pin, the input changing at its clock pin's edge":
            slack, **_capture(clock_at, "core")}}
    for kind, hold in sorted(macro_hold.items()):
        if f"{kind}_addr" not in ports.get("out_min", {}) or kind not in clock_at:
            continue
        out[f"core -> {kind} address"] = {"segments": {
            "core output, earliest": ports["out_min"][f"{kind}_addr"],
            **_capture(clock_at, kind), "macro hold (its output flop's)": -hold}}
    for v in out.values():
        v["slack_ns"] = sum(v["segments"].values())
    return out


def binding_path(paths: dict[str, dict]) -> tuple[str, float]:
    """The path that needs the longest period, and that period (ns)."""
    name = max(paths, key=lambda k: paths[k]["total_ns"])
    return name, paths[name]["total_ns"]
