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
    ]

    # Stages of the weights-to-GDS pipeline that do not exist yet; `taalas-flow run` lists them
    # so a run never looks more complete than it is.
    NOT_IMPLEMENTED = [
        ("chip layout: the engine core placed and wired in the run (flow/pnr lays out and "
         "signs off small blocks, `taalas-flow synth --layout`; laid out flat, the 45k-cell "
         "engine core is 1.9 x 5.2 mm, bench/logic_layout.py), chip top wiring the core to "
         "the data memory and the ROM ports (both are laid out whole and signed off, "
         "Taalas.DataMemory, Taalas.RomPorts), chip DRC/LVS (with it, LVS of the full ROM "
         "macros; per run a whole macro tile is LVS-checked), chip STA on the wiring (the GDS "
         "in final/ holds the ROM macros alone)", "issue 6"),
    ]
