"""Static timing with Debian's OpenSTA (`sta`, 2019).

LibreLane's own STA steps need OpenROAD; its OpenSTA scripts are too new for Debian's binary
(TOOLCHAIN.md), so this Step writes a minimal Tcl script of commands that binary understands.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from librelane.state import DesignFormat, State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate

from taalas_flow.errors import ToolError
from taalas_flow.steps.common import CLOCK_VARS, PDK_CONFIG_VARS, step_pdk
from taalas_flow.toolchain import require_tool

_SIGNED = re.compile(r"\bsigned\b")


def strip_signed(src: str) -> str:
    """Yosys 0.70 writes `wire signed`; the 2019 OpenSTA parser rejects the keyword."""
    return _SIGNED.sub("", src)


def sta_script(
    liberty: str, netlist: str, top: str, period: float, clock_port: str | None,
    ports: list[str], cfg: dict, spef: str | None = None, propagated: bool = False,
    io_paths: bool = True, extra: tuple[str, ...] = (),
    loads: dict[str, float] | None = None, drivers: dict[str, tuple[str, str]] | None = None,
    clock_transition: float | None = None, drive_inputs: bool = True,
) -> str:
    """The OpenSTA script; with `spef`, the nets' parasitics are read from it; with
    `propagated`, clock arrival comes through the netlist's clock tree (its buffers and
    wires) instead of an ideal clock; without `io_paths` the ports get no input or output
    delay, so only register-to-register paths are timed. `loads` (pF) and `drivers` ((cell,
    pin) of the library without its prefix) replace the config's load and driving cell on
    the ports they name (bits as `name[i]`). `clock_transition`: the edge (ns, 20-80 %) at
    the clock pin (chip/clock.edge_ns); the data inputs' driving cell is never on it, and
    without `drive_inputs` they are driven ideally (a hold check's inputs)."""
    syn = cfg["synthesis"]
    clk = clock_port if clock_port in ports else None
    lines = [
        f"read_liberty {{{liberty}}}",
        f"read_verilog {{{netlist}}}",
        f"link_design {top}",
        *([f"read_spef {{{spef}}}"] if spef else []),
        (f"create_clock -name clk -period {period} [get_ports {{{clk}}}]" if clk
         else f"create_clock -name clk -period {period}"),
        *(["set_propagated_clock [all_clocks]"] if propagated and clk else []),
        "set data_in [list]",
        "foreach p [all_inputs] {",
        f"  if {{[get_full_name $p] ne \"{clk or ''}\"}} {{ lappend data_in $p }}",
        "}",
        *(["set_input_delay 0 -clock clk [all_inputs]",
           "set_output_delay 0 -clock clk [all_outputs]"] if io_paths else []),
        # the clock pin is driven by the chip's clock wire, not by a data input's stand-in
        # cell: its edge is the transition it is given (the liberty's default, a sharp one,
        # without one)
        *(["if {[llength $data_in]} {",
            f"  set_driving_cell -lib_cell {syn['driving_cell']} -pin {syn['driving_pin']} "
            "$data_in", "}"] if drive_inputs else []),
        *([f"set_input_transition {clock_transition} [get_ports {{{clk}}}]"]
          if clk and clock_transition is not None else []),
        f"set_load {syn['output_load_pf']} [all_outputs]",
        *(f"set_driving_cell -lib_cell {cfg['std_cell_library']}__{c} -pin {pin} "
          f"[get_ports {{{p}}}]" for p, (c, pin) in sorted((drivers or {}).items())),
        *(f"set_load {c:.6f} [get_ports {{{p}}}]" for p, c in sorted((loads or {}).items())),
        "report_checks -path_delay max -fields {slew cap input_pins} -digits 3",
        "report_checks -path_delay min -digits 3",
        "set ws [sta::worst_slack -max]",
        "set hs [sta::worst_slack -min]",
        'puts "%OL_METRIC_F timing__setup__ws $ws"',
        'puts "%OL_METRIC_F timing__hold__ws $hs"',
        "report_tns",
        f"set_power_activity -global -activity {syn['power_activity']}",
        "set pw [sta::design_power [sta::cmd_corner]]",
        'puts "%OL_METRIC_F power__internal__total [lindex $pw 0]"',
        'puts "%OL_METRIC_F power__switching__total [lindex $pw 1]"',
        'puts "%OL_METRIC_F power__leakage__total [lindex $pw 2]"',
        'puts "%OL_METRIC_F power__total [lindex $pw 3]"',
        *extra,
        "exit",
    ]
    return "\n".join(lines) + "\n"


_PORT_DECL = re.compile(r"^\s*(input|output|inout)\b[^;]*?(\w+)\s*;", re.M)


def netlist_ports(src: str) -> list[str]:
    return [m.group(2) for m in _PORT_DECL.finditer(src)]


@Step.factory.register()
class OpenSTA(Step):
    """Setup/hold worst slack of the synthesised netlist at the typical corner."""

    id = "Taalas.OpenSTA"
    name = "OpenSTA (Debian)"
    inputs = [DesignFormat.NETLIST]
    outputs = []
    config_vars = PDK_CONFIG_VARS + CLOCK_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        sta = require_tool("sta", "timing")
        pdk = step_pdk(self.config)
        netlist_in = str(state_in[DesignFormat.NETLIST])
        with open(netlist_in, encoding="utf8") as f:
            src = strip_signed(f.read())
        netlist = os.path.join(self.step_dir, "netlist.sta.v")
        with open(netlist, "w", encoding="utf8") as f:
            f.write(src)
        script = os.path.join(self.step_dir, "sta.tcl")
        with open(script, "w", encoding="utf8") as f:
            f.write(
                sta_script(
                    # the netlist view is named after the module synthesised (<top>.nl.v), which
                    # is not DESIGN_NAME when a flow synthesises a block of the design
                    str(pdk.liberty("tt")), netlist, os.path.basename(netlist_in).split(".")[0],
                    self.config["TAALAS_CLOCK_PERIOD"], self.config["TAALAS_CLOCK_PORT"],
                    netlist_ports(src), pdk.data,
                )
            )
        result = self.run_subprocess([sta, "-no_init", "-exit", script], **kwargs)
        return {}, result["generated_metrics"]


# Corners of the laid-out timing: setup and hold at each; the report quotes setup at ss and
# hold at ff (the corners where each is worst) beside the typical numbers.
CORNERS = ("tt", "ss", "ff")
SLACKS = ("timing__setup__ws", "timing__hold__ws")


@dataclass(frozen=True)
class CornerTiming:
    """One laid-out netlist timed at every corner: per corner its `timing__setup__ws` and
    `timing__hold__ws` (ns, register to register), and the (instance, pin) register inputs
    whose hold slack is below the margin asked for at any corner (empty when none was
    asked), with that slack per corner where it is short (`hold_slack`)."""

    slacks: dict[str, dict[str, float]]
    short_hold: frozenset[tuple[str, str]]
    hold_slack: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)


_END_ROW = re.compile(r"^(\S+)/(\w+) \(\S+\)\s+[-\d.]+\s+[-\d.]+\s+([-\d.]+) \((?:MET|VIOLATED)\)",
                      re.M)
_METRIC = re.compile(r"^%OL_METRIC_F (\S+) (\S+)$", re.M)
_PORT_ROW = re.compile(r"^(\S+) \(output\)\s+[-\d.]+\s+[-\d.]+\s+([-\d.]+) \((?:MET|VIOLATED)\)",
                       re.M)
_HOLD_MARK = "TAALAS_HOLD_ENDPOINTS"


def _run_sta(sta: str, tcl: Path, script: str, what: str) -> str:
    """Write `script` to `tcl`, run OpenSTA on it and keep its output beside it (.log); its
    stdout, or a ToolError with the log path and the last lines."""
    tcl.write_text(script)
    log = tcl.with_suffix(".log")
    r = subprocess.run([sta, "-no_init", "-exit", str(tcl)], capture_output=True, text=True,
                       check=False, stdin=subprocess.DEVNULL)
    log.write_text(r.stdout + r.stderr)
    if r.returncode != 0:
        tail = " | ".join((r.stdout + r.stderr).strip().splitlines()[-3:])
        raise ToolError(f"OpenSTA failed on {what} (exit {r.returncode}); log {log}: {tail}")
    return r.stdout


def hold_endpoints_script(margin: float, input_early: float | None = None,
                          output_min: dict[str, float] | None = None) -> tuple[str, ...]:
    """OpenSTA commands, after sta_script's report, that list every register input (and
    output port) whose hold slack is below `margin`, each once with its worst slack. With
    `input_early` the data inputs may also change that long before the clock pin sees the
    edge (sta_script's without drive_inputs: driven ideally); with
    `output_min` ({port bit: ns}) an output may not change sooner than that
    after the edge (the hold of what it drives). The slacks sta_script printed before are
    register to register still."""
    lines = []
    if input_early is not None:
        lines += ["if {[llength $data_in]} {",
                  f"  set_input_delay -min {-input_early} -clock clk $data_in",
                  "}"]
    for port, ns in sorted((output_min or {}).items()):
        lines.append(f"set_output_delay -min {-ns} -clock clk [get_ports {{{port}}}]")
    return (*lines, f'puts "{_HOLD_MARK}"',
            f"report_checks -path_delay min -slack_max {margin} -group_count 1000000 "
            "-endpoint_count 1 -format end")


def corner_timing(sta: str, pdk, netlist: str, top: str, spef: str, period: float,
                  clock: str | None, workdir, hold_margin: float | None = None,
                  input_early: float | None = None,
                  output_min: dict[str, float] | None = None,
                  clock_transition: float | None = None) -> CornerTiming:
    """OpenSTA at every corner on one netlist and SPEF with a propagated clock, register to
    register: the ports' paths run to other blocks, whose flops the chip's clock reaches
    through wiring not timed here, so with the block's own clock-tree latency and no source
    latency every input would show a false setup and hold figure of that latency. With
    `hold_margin`, the same run lists the register inputs short of it (OpenSTA's endpoint
    report), so a hold check and the timing of the layout it passes are one OpenSTA run per
    corner; with `input_early` and `output_min` the inputs' and those outputs' hold is in
    that list (hold_endpoints_script; an output port as (port, "")), the slacks reported
    stay register to register. `clock_transition`: sta_script's. Scripts and logs are
    written to `workdir` (sta_<corner>.tcl/.log)."""
    src = Path(netlist).read_text()
    ports = netlist_ports(src)
    extra = () if hold_margin is None else hold_endpoints_script(hold_margin, input_early,
                                                                 output_min)
    slacks: dict[str, dict[str, float]] = {}
    hold: dict[tuple[str, str], dict[str, float]] = {}
    for corner in CORNERS:
        out = _run_sta(sta, Path(workdir) / f"sta_{corner}.tcl", sta_script(
            str(pdk.liberty(corner)), netlist, top, period, clock, ports, pdk.data, spef=spef,
            propagated=True, io_paths=False, extra=extra, clock_transition=clock_transition,
            drive_inputs=input_early is None), f"{top} at {corner}")
        got = dict(_METRIC.findall(out))
        if not all(k in got for k in SLACKS):
            raise ToolError(f"OpenSTA printed no slacks for {top} at {corner}",
                            f"see {Path(workdir) / f'sta_{corner}.log'}")
        slacks[corner] = {k: float(got[k]) for k in SLACKS}
        if hold_margin is not None:
            _head, sep, text = out.partition(_HOLD_MARK)
            if not sep:
                raise ToolError(f"OpenSTA listed no hold endpoints for {top} at {corner}",
                                f"see {Path(workdir) / f'sta_{corner}.log'}")
            for m in _END_ROW.finditer(text):
                hold.setdefault((m.group(1), m.group(2)), {})[corner] = float(m.group(3))
            for m in _PORT_ROW.finditer(text):
                hold.setdefault((m.group(1), ""), {})[corner] = float(m.group(2))
    return CornerTiming(slacks, frozenset(hold), hold)


_PORT_BUS = re.compile(r"^\s*(input|output)\s*(\[[^\]]*\])?\s*(\w+)\s*;", re.M)
_MARK = re.compile(r"^PORT_PATH (in|in_min|out|out_min) (\w+)$", re.M)
_SLACK = re.compile(r"^\s*([-\d.]+)\s+slack \((?:MET|VIOLATED)\)", re.M)


def port_timing(sta: str, pdk, netlist: str, top: str, spef: str, period: float,
                clock: str, workdir, corner: str, loads: dict[str, float] | None = None,
                drivers: dict[str, tuple[str, str]] | None = None,
                clock_transition: float | None = None,
                ) -> dict[str, dict[str, float]]:
    """The block's share of every path through its ports, per port (bus) at one corner (ns,
    clock propagated through the block's own tree): for an input, how long after the
    chip's clock edge its value may arrive at the pin (the slack with the input launched at
    that edge); for an output, when its worst bit settles after that edge, and under
    "out_min" when its earliest bit first changes (its hold slack against an output delay
    of 0, the arrival: what a hold check in the next block may count on), and for an input
    under "in_min" its hold slack when its value changes at that edge (what the block that
    drives it must add, its clock's way to its flop and its cells, for the hold to be
    met). These are what a
    neighbouring block's clock-to-output time and setup, plus the chip wire between them,
    are budgeted against; a port whose bits reach no register (or come from none) is absent.
    With `loads` and `drivers` (sta_script's), each port bit is timed with what the chip
    puts on it: an output charging its wire, an input driven through its wire by the cell
    that drives it (OpenSTA adds that cell's load-dependent delay; cell_delay gives the
    rest); `clock_transition`, the edge at the clock pin (sta_script's)."""
    src = Path(netlist).read_text()
    buses = [(m.group(1).removesuffix("put"), m.group(3), bool(m.group(2)))
             for m in _PORT_BUS.finditer(src) if m.group(3) != clock]
    lines = []
    for kind, name, vector in buses:
        ports = f"[get_ports {{{name}[*]}}]" if vector else f"[get_ports {{{name}}}]"
        lines += [f'puts "PORT_PATH {kind} {name}"',
                  f"report_checks -path_delay max -{'from' if kind == 'in' else 'to'}"
                  f" {ports} -digits 3"]
        lines += [f'puts "PORT_PATH {kind}_min {name}"',
                  f"report_checks -path_delay min -{'from' if kind == 'in' else 'to'}"
                  f" {ports} -digits 3"]
    stdout = _run_sta(sta, Path(workdir) / f"ports_{corner}.tcl", sta_script(
        str(pdk.liberty(corner)), netlist, top, period, clock, netlist_ports(src), pdk.data,
        spef=spef, propagated=True, io_paths=True, extra=tuple(lines), loads=loads,
        drivers=drivers, clock_transition=clock_transition),
        f"the ports of {top} at {corner}")
    if "PORT_PATH" not in stdout:
        raise ToolError(f"OpenSTA timed no port of {top} at {corner}",
                        f"see {Path(workdir) / f'ports_{corner}.log'}")
    out: dict[str, dict[str, float]] = {"in": {}, "in_min": {}, "out": {}, "out_min": {}}
    marks = list(_MARK.finditer(stdout))
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(stdout)
        s = _SLACK.search(stdout, m.end(), end)
        if s:
            slack = float(s.group(1))
            out[m.group(1)][m.group(2)] = period - slack if m.group(1) == "out" else slack
    return out


def cell_delay(sta: str, pdk, cell: str, pin: str, corner: str, workdir,
               load_pf: float = 0.0, earliest: bool = False,
               from_pin: str | None = None, input_transition: float | None = None) -> float:
    """Worst delay (ns) from any input of one library cell to its output `pin` into
    `load_pf`, inputs switching ideally at the clock edge (a flop's from its clock): what
    OpenSTA leaves out of an input's arrival when the port has that cell as its driving cell
    (it adds only the delay the load causes). `earliest`: the shortest such delay instead
    (what a hold check may count on). `from_pin`: from that input only. `input_transition`:
    the inputs' (and a flop's clock's) edge, ns 20-80 %, instead of a sharp one: a clock
    buffer at the end of a wire sees its edge slowed (chip/clock.edge_ns)."""
    from taalas_flow.layout.stdcells import StdCellLibrary

    directions = StdCellLibrary(pdk).cell(cell).directions
    ins = sorted(p for p, d in directions.items() if d == "INPUT")     # power pins: INOUT
    clk = "CLK" if "CLK" in ins else None
    data = [p for p in ins if p != clk]
    if from_pin is not None and from_pin == clk:
        from_pin = None      # a flop's only arc to its output is from its clock already
    full = f"{pdk.data['std_cell_library']}__{cell}"
    conns = ", ".join([f".{p}({p})" for p in ins] + [f".{pin}(y_out)"])
    name = f"delay_{cell}_{pin}" + (f"_from_{from_pin}" if from_pin else "") + (
        f"_edge_{input_transition:.4f}".replace(".", "p") if input_transition is not None else "")
    v = Path(workdir) / f"{name}_{corner}.v"
    v.write_text(f"module {name} ({', '.join(ins)}, y_out);\n"
                 f"  input {', '.join(ins)};\n  output y_out;\n"
                 f"  {full} u ({conns});\nendmodule\n")
    period = 100.0
    script = "\n".join([
        f"read_liberty {{{pdk.liberty(corner)}}}", f"read_verilog {{{v}}}",
        f"link_design {name}",
        (f"create_clock -name clk -period {period} [get_ports {clk}]" if clk
         else f"create_clock -name clk -period {period}"),
        *([f"set_input_delay 0 -clock clk [get_ports {{{' '.join(data)}}}]"] if data else []),
        *([f"set_input_transition {input_transition:.6f} [all_inputs]"]
          + ([f"set_clock_transition {input_transition:.6f} [all_clocks]"] if clk else [])
          if input_transition is not None else []),
        "set_output_delay 0 -clock clk [get_ports y_out]",
        f"set_load {load_pf:.6f} [get_ports y_out]",
        f"report_checks -path_delay {'min' if earliest else 'max'} "
        + (f"-from [get_ports {from_pin}] " if from_pin else "")
        + "-to [get_ports y_out] -digits 4", "exit", ""])
    out = _run_sta(sta, Path(workdir) / f"{name}_{corner}.tcl", script,
                   f"the delay of {cell} at {corner}")
    s = _SLACK.search(out)
    if not s:
        raise ToolError(f"OpenSTA timed no path through {cell} at {corner}",
                        f"see {Path(workdir) / f'{name}_{corner}.log'}")
    # hold against an output delay of 0: the slack is the arrival
    return float(s.group(1)) if earliest else period - float(s.group(1))
