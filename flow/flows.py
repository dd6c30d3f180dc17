"""taalas-flow's LibreLane Flows.

`TaalasSynth` is lint + stock Yosys synthesis + stock checkers + OpenSTA on a user's Verilog;
`TaalasLogic` adds the layout of the gate netlist with DRC and LVS.
`TaalasFlow` is the weights-to-GDS flow run by `taalas-flow run`; its Steps are added as each
stage is implemented (the CLI prints which stages exist).
"""

from __future__ import annotations

from librelane.flows import Flow, SequentialFlow
from librelane.steps import Checker, Verilator, Yosys

import taalas_flow.steps as T


@Flow.factory.register()
class TaalasSynth(SequentialFlow):
    """RTL -> gate netlist -> timing, on the pyosys-backed `yosys` shim."""

    Steps = [
        Verilator.Lint,
        Checker.LintErrors,
        Yosys.Synthesis,
        Checker.YosysUnmappedCells,
        Checker.YosysSynthChecks,
        T.OpenSTA,
    ]


@Flow.factory.register()
class TaalasLogic(SequentialFlow):
    """TaalasSynth, then the gate netlist placed and wired by our structured generator
    (flow/pnr) into a GDS that KLayout DRC and LVS sign off."""

    Steps = TaalasSynth.Steps + [T.LogicLayout]


@Flow.factory.register()
class TaalasFlow(SequentialFlow):
    """Model checkpoint -> quantised ROM images -> base die + personalisation -> GDS."""

    Steps = [
        T.Manifest,
        T.LoadModel,
        T.Quantise,
        T.GoldenCheck,
        T.EngineRTL,
        T.EngineSynthesis,
        Checker.YosysUnmappedCells,
        T.OpenSTA,
        T.RomArray,
        T.RomPorts,
        T.DataMemory,
        T.ChipTop,
    ]

    # Stages of the weights-to-GDS pipeline that do not exist yet; `taalas-flow run` lists them
    # so a run never looks more complete than it is.
    NOT_IMPLEMENTED = [
        ("timing between blocks is a bound, not a check: every run sums each path between "
         "the core, the ROM macros and the data memory from measured segments (the core's "
         "share from OpenSTA with its ports loaded by the chip wires and its clock pin "
         "given the edge the chip's wire leaves it, the macros' read from ngspice, the "
         "memory's stripe drivers, bank read and its bit line down the column, write "
         "setup, read chains (links times the worst link), its logic timed whole into the "
         "lines it drives across it (column lines, write enables) and its read registers' "
         "capture, its interfaces' select and write-enable gates, the wires' Elmore delay, "
         "the chip clock's Elmore arrival at each block, the ROM ports' and the memory's "
         "own wiring from their pins to the blocks inside, up to the memory's farthest "
         "banks) and reports the clock that bounds; the edge at the chip's clock pin is a "
         "config number (no pads), and the memory's stripe clock drivers take the chip's "
         "wire to the memory at its budget (the memory is laid out before the chip); hold "
         "across blocks is bounded (into the core, the ROM macros' addresses and the "
         "memory's banks, at tt and ff), not checked; "
         "the core's setup target is not closed (the report gives the clock it runs "
         "at); LVS of whole ROM banks (per run a full-height slice of each ROM, 16 "
         "columns, is LVS-checked); I/O pads",
         "issue 6"),
    ]
