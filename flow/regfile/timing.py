"""Static timing of a register-file bank with OpenSTA on the bank's cell netlist and the SPEF
estimated from its drawn wiring (flow/pnr/parasitics.py): the read access time (address in to
bit line out, combinational), the write's setup and hold at the row clock gates and flops, with
the read bit lines loaded by the wire of the other banks stacked on them in a column."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.errors import ToolError
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout
from taalas_flow.pnr.netlist import GateNetlist
from taalas_flow.pnr.parasitics import net_rc, write_spef
from taalas_flow.toolchain import require_tool


@dataclass(frozen=True)
class BankTiming:
    read_ns: float           # worst RA_<p> -> RD_<p> delay
    setup_ws_ns: float       # worst setup slack at the clock period (flops and clock gates)
    hold_ws_ns: float
    column_load_pf: float    # added on each read bit line for the other banks of the column
    log: Path
    bit_line_pf: float = 0.0  # one bank's own wire of a read bit line
    end_load_pf: float = 0.0  # what the read was timed into beyond the wire (the interface)


def _script(pdk: PdkConfig, netlist: Path, top: str, spef: Path, period: float,
            read_ports: list[str], load_pf: float, corner: str = "tt") -> str:
    syn = pdk.data["synthesis"]
    lines = [f"read_liberty {{{pdk.liberty(corner)}}}", f"read_verilog {{{netlist}}}",
             f"link_design {top}", f"read_spef {{{spef}}}",
             f"create_clock -name clk -period {period} [get_ports CLK]",
             # through the row clock gates: the flops see GCLK late, which is the hold risk
             "set_propagated_clock [all_clocks]",
             "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports CLK]]",
             f"set_driving_cell -lib_cell {syn['driving_cell']} -pin {syn['driving_pin']} "
             "[all_inputs]",
             f"set_load {load_pf + syn['output_load_pf']} [all_outputs]",
             "report_checks -path_delay max -digits 3",
             "report_checks -path_delay min -digits 3",
             'puts "SETUP_WS [sta::worst_slack -max]"',
             'puts "HOLD_WS [sta::worst_slack -min]"']
    for p in read_ports:
        lines += [f'puts "READ_PATH {p}"',
                  f"report_checks -unconstrained -from [get_ports RA_{p}*] "
                  f"-to [get_ports RD_{p}*] -path_delay max -digits 3"]
    return "\n".join(lines + ["exit"]) + "\n"


def bank_timing(pdk: PdkConfig, blk: BlockLayout, net: GateNetlist, netlist: Path,
                workdir: Path, period: float, column_banks: int,
                read_ports: list[str], corner: str = "tt") -> BankTiming:
    """The bank at `corner` (its read and setup are the chip's at tt; its hold counts at ff
    as well, chip/timing.memory_write_hold)."""
    sta = require_tool("sta", "timing")
    workdir.mkdir(parents=True, exist_ok=True)
    spef = workdir / f"{blk.name}.spef"
    write_spef(pdk, blk, net, spef)
    bit_line = f"RD_{read_ports[0]}[0]"
    load = (column_banks - 1) * net_rc(pdk, blk, bit_line)[1]
    tcl = workdir / "bank_sta.tcl"
    tcl.write_text(_script(pdk, netlist, blk.name, spef, period, read_ports, load, corner))
    log = workdir / "bank_sta.log"
    proc = subprocess.run([sta, "-no_init", "-exit", str(tcl)], capture_output=True, text=True)
    log.write_text(proc.stdout + proc.stderr)
    # Each read port's unconstrained path: its arrival time, after the port's marker.
    reads = [re.search(r"^\s*([\d.]+)\s+data arrival time", part, re.M)
             for part in proc.stdout.split("READ_PATH ")[1:]]
    setup = re.search(r"^SETUP_WS (\S+)", proc.stdout, re.M)
    hold = re.search(r"^HOLD_WS (\S+)", proc.stdout, re.M)
    if (proc.returncode != 0 or not setup or not hold or len(reads) != len(read_ports)
            or not all(reads)):
        raise ToolError(f"OpenSTA did not time the bank {blk.name} (log {log})")
    return BankTiming(max(float(m.group(1)) for m in reads), float(setup.group(1)),
                      float(hold.group(1)), load, log, net_rc(pdk, blk, bit_line)[1],
                      float(pdk.data["synthesis"]["output_load_pf"]))


def read_line_ns(t: BankTiming, column_banks: int, line_ohm: float) -> float:
    """The read bit line's own resistance from the farthest bank of a column down to the
    column's interface (ns, Elmore, tt): `line_ohm` (build_column's port_ohm of the bit
    line, met4 through every bank) into the line's capacitance spread along it (every
    bank's own wire of it, half of it downstream on average) and the load at its end that
    the bank's read was timed into. bank_timing lumps the same capacitance at the driver,
    so this is what its read leaves out."""
    return line_ohm * (column_banks * t.bit_line_pf / 2 + t.end_load_pf) * 1e-3
