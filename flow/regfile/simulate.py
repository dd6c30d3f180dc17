"""The register-file bank's cell netlist simulated with the PDK's cell models (Icarus) against
the memory it must be: the check the flow runs on every bank it lays out, and the tests' too."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taalas_flow.errors import ToolError
from taalas_flow.pdk import PdkConfig
from taalas_flow.regfile.bank import BankShape
from taalas_flow.toolchain import require_tool

CYCLES = 400


def testbench(shape: BankShape, module: str, seed: int) -> str:
    """Every word written once, then random writes and reads on all ports; inputs change at
    the falling edge, reads are compared before the rising edge against a Verilog array that
    takes the write on the rising edge (so a read of the word being written sees the old
    value)."""
    rng = np.random.default_rng(seed)
    aw, w = shape.addr_bits, shape.width
    ops = [(1, a, int(rng.integers(0, 1 << w)), [(0, 0)] * shape.read_ports)
           for a in range(shape.words)]
    for _ in range(CYCLES):
        ops.append((int(rng.random() < 0.5), int(rng.integers(0, shape.words)),
                    int(rng.integers(0, 1 << w)),
                    [(int(rng.random() < 0.8), int(rng.integers(0, shape.words)))
                     for _ in shape.ports]))
    lines = []
    for we, wa, wd, ras in ops:
        reads = " ".join(f"RE_{p} = {e}; RA_{p} = {a};"
                         for p, (e, a) in zip(shape.ports, ras, strict=True))
        lines.append(f"    step({we}, {wa}, {wd}); {reads} #2; check(); @(posedge CLK); "
                     f"if (WE) begin model[WA] = WD; valid[WA] = 1; end")
    ports = "".join(f", .RE_{p}(RE_{p}), .RA_{p}(RA_{p}), .RD_{p}(RD_{p})"
                    for p in shape.ports)
    decl = "".join(f"  reg RE_{p} = 0; reg [{aw - 1}:0] RA_{p} = 0; wire [{w - 1}:0] RD_{p};\n"
                   for p in shape.ports)
    # A disabled port drives nothing (its bit lines are shared with other banks).
    checks = "".join(
        f"    if (!RE_{p}) begin released = released + 1;\n"
        f"      if (RD_{p} !== {w}'bz) begin mismatches = mismatches + 1;\n"
        f"        $display(\"DRIVEN t=%0t port {p} got=%h\", $time, RD_{p}); end end\n"
        f"    else if (valid[RA_{p}]) begin compared = compared + 1;\n"
        f"      if (RD_{p} !== model[RA_{p}]) begin mismatches = mismatches + 1;\n"
        f"        $display(\"MISMATCH t=%0t port {p} addr %0d ref=%h got=%h\", $time, RA_{p},"
        f" model[RA_{p}], RD_{p}); end end\n" for p in shape.ports)
    return f"""`timescale 1ns/1ps
module tb;
  reg CLK = 0, WE = 0;
  reg [{aw - 1}:0] WA = 0;
  reg [{w - 1}:0] WD = 0;
{decl}  reg [{w - 1}:0] model [0:{shape.words - 1}];
  reg valid [0:{shape.words - 1}];
  integer compared = 0, released = 0, mismatches = 0, k;
  {module} dut (.CLK(CLK), .WE(WE), .WA(WA), .WD(WD){ports});
  always #5 CLK = ~CLK;
  task step(input we, input [{aw - 1}:0] wa, input [{w - 1}:0] wd);
    begin @(negedge CLK); WE = we; WA = wa; WD = wd; end
  endtask
  task check;
    begin
{checks}    end
  endtask
  initial begin
    for (k = 0; k < {shape.words}; k = k + 1) valid[k] = 0;
{chr(10).join(lines)}
    $display("COMPARED %0d RELEASED %0d MISMATCHES %0d", compared, released, mismatches);
    $finish;
  end
endmodule
"""


@dataclass(frozen=True)
class BankSimResult:
    compared: int          # reads compared with the expected word
    released: int          # reads with the port disabled (bit lines must float)
    mismatches: int
    log: Path


def _icarus(pdk: PdkConfig, netlist: Path, bench: str, workdir: Path) -> tuple[list[int], Path]:
    """Compile the cell netlist with the PDK's functional cell models and the bench, run it,
    return the numbers on its last COMPARED line and the log."""
    iverilog = require_tool("iverilog", "simulation")
    vvp = shutil.which("vvp") or "vvp"
    workdir.mkdir(parents=True, exist_ok=True)
    tb = workdir / f"tb_{netlist.stem}.v"
    tb.write_text(bench)
    sim = workdir / f"sim_{netlist.stem}"
    log = workdir / f"sim_{netlist.stem}.log"
    build = subprocess.run([iverilog, "-g2012", "-DFUNCTIONAL", "-o", str(sim), str(netlist),
                            str(pdk.path("cell_verilog")), str(tb)], capture_output=True,
                           text=True)
    if build.returncode != 0:
        log.write_text(build.stdout + build.stderr)
        raise ToolError(f"iverilog could not compile {netlist} (log {log}): "
                        f"{' | '.join(build.stderr.strip().splitlines()[-3:])}")
    run = subprocess.run([vvp, str(sim)], capture_output=True, text=True)
    log.write_text(run.stdout + run.stderr)
    done = [ln for ln in run.stdout.splitlines() if ln.startswith("COMPARED")]
    if run.returncode != 0 or not done:
        raise ToolError(f"the simulation of {netlist.name} did not finish (log {log})")
    return [int(v) for v in done[-1].split()[1::2]], log


def simulate_bank(pdk: PdkConfig, shape: BankShape, netlist: Path, module: str, workdir: Path,
                  seed: int = 1) -> BankSimResult:
    """Every word written, then CYCLES random cycles; zero-delay functional cell models."""
    (compared, released, mismatches), log = _icarus(pdk, netlist,
                                                    testbench(shape, module, seed), workdir)
    return BankSimResult(compared, released, mismatches, log)


def interface_testbench(banks: int, width: int, ports: list[str], module: str, seed: int,
                   vectors: int = 256) -> str:
    """Random control, bit-line and chain values; the expected outputs come from Python
    (WE[k] = SH_W & SL_W & WEB[k]; G_<p> = (RD_<p> when SH_<p> & SL_<p>, else 0) | C_<p>)."""
    rng = np.random.default_rng(seed)
    body = []
    for _ in range(vectors):
        shw, slw = (int(v) for v in rng.integers(0, 2, 2))
        web = int(rng.integers(0, 1 << banks))
        we = web if shw and slw else 0
        line = [f"SH_W = {shw}; SL_W = {slw}; WEB = {web};"]
        checks = [f"compared = compared + 1; if (WE !== {banks}'d{we}) begin "
                  f"mismatches = mismatches + 1; $display(\"WE %h want {we:x}\", WE); end"]
        for p in ports:
            sh, sl = (int(v) for v in rng.integers(0, 2, 2))
            rd, chain = (int(v) for v in rng.integers(0, 1 << width, 2))
            line.append(f"SH_{p} = {sh}; SL_{p} = {sl}; RD_{p} = {width}'d{rd}; "
                        f"C_{p} = {width}'d{chain};")
            want = f"{width}'d{(rd if sh and sl else 0) | chain}"
            checks.append(f"compared = compared + 1; if (G_{p} !== {want}) begin "
                          f"mismatches = mismatches + 1; $display(\"G_{p} %h want {want}\", "
                          f"G_{p}); end")
        body.append("    " + " ".join(line) + " #1; " + " ".join(checks))
    decl = "".join(f"  reg SH_{p} = 0, SL_{p} = 0; reg [{width - 1}:0] RD_{p} = 0, C_{p} = 0; "
                   f"wire [{width - 1}:0] G_{p};\n" for p in ports)
    conns = "".join(f", .SH_{p}(SH_{p}), .SL_{p}(SL_{p}), .RD_{p}(RD_{p}), .C_{p}(C_{p}), "
                    f".G_{p}(G_{p})" for p in ports)
    return f"""`timescale 1ns/1ps
module tb;
  reg SH_W = 0, SL_W = 0; reg [{banks - 1}:0] WEB = 0; wire [{banks - 1}:0] WE;
{decl}  integer compared = 0, mismatches = 0;
  {module} dut (.WEB(WEB), .SH_W(SH_W), .SL_W(SL_W), .WE(WE){conns});
  initial begin
{chr(10).join(body)}
    $display("COMPARED %0d MISMATCHES %0d", compared, mismatches);
    $finish;
  end
endmodule
"""


def simulate_interface(pdk: PdkConfig, banks: int, width: int, ports: list[str], netlist: Path,
                  module: str, workdir: Path, seed: int = 1) -> tuple[int, int, Path]:
    """The column interface's cell netlist against its function: (compared,
    mismatches, log)."""
    (compared, mismatches), log = _icarus(
        pdk, netlist, interface_testbench(banks, width, ports, module, seed), workdir)
    return compared, mismatches, log
