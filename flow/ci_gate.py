"""`taalas-flow ci`: compare a run's metrics with a baseline and fail on regressions.

Tolerances are stated here, once, and printed with every comparison. Direction matters: an
area that shrinks or a slack that grows is an improvement, never a failure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.errors import InputError
from taalas_flow.report.collect import collect


@dataclass(frozen=True)
class Rule:
    metric: str
    worse_when: str          # "higher" or "lower"
    rel: float = 0.0         # allowed relative change in the worse direction
    abs: float = 0.0         # allowed absolute change in the worse direction
    what: str = ""


RULES = [
    Rule("taalas__rom__array_area_mm2", "higher", rel=0.01, what="ROM array area"),
    Rule("taalas__rom__macro_area_mm2", "higher", rel=0.01, what="ROM macro area"),
    Rule("design__instance__area", "higher", rel=0.02, what="engine core cell area"),
    Rule("design__instance__count", "higher", rel=0.02, what="engine core cells"),
    Rule("timing__setup__ws", "lower", abs=0.25, what="setup worst slack (ns)"),
    Rule("timing__hold__ws", "lower", abs=0.1, what="hold worst slack (ns)"),
    Rule("power__total", "higher", rel=0.05, what="engine logic power at the STA clock (W)"),
    Rule("taalas__drc__rom_tile_feol__count", "higher", what="DRC, ROM tile"),
    Rule("taalas__drc__rom_array_beol__count", "higher", what="DRC, ROM array BEOL"),
    Rule("taalas__xor__non_personalisation_layers", "higher",
         what="layers other than via3 differing between weight sets"),
    Rule("taalas__rom__readback_ok", "lower", what="GDS readback"),
    Rule("taalas__lvs__rom_tile_clean", "lower", what="LVS, ROM tile"),
    Rule("taalas__engine__verified_tokens", "lower", what="tokens verified against golden"),
    Rule("taalas__dmem__columns_area_mm2", "higher", rel=0.01,
         what="data memory area (bank columns)"),
    Rule("taalas__dmem__area_mm2", "higher", rel=0.01, what="data memory area (assembled)"),
    Rule("taalas__sim__dmem_bank__mismatches", "higher",
         what="data-memory bank netlist vs memory, simulation"),
    Rule("taalas__sim__dmem_interface__mismatches", "higher",
         what="data-memory column interface netlist vs function, simulation"),
    Rule("taalas__drc__dmem_beol__count", "higher", what="DRC, data memory (wiring layers)"),
    Rule("taalas__drc__dmem_bank_tile__count", "higher", what="DRC, data-memory bank tile"),
    Rule("taalas__drc__dmem_interface__count", "higher", what="DRC, data-memory interface"),
    Rule("taalas__drc__dmem_logic__count", "higher", what="DRC, data-memory logic"),
    Rule("taalas__drc__dmem_drivers__count", "higher", what="DRC, data-memory stripe drivers"),
    Rule("taalas__drc__dmem_repeaters__count", "higher",
         what="DRC, data-memory read repeaters"),
    Rule("taalas__sim__dmem__mismatches", "higher",
         what="laid-out data memory's netlist vs memory RTL, simulation"),
    Rule("taalas__lvs__dmem_clean", "lower", what="LVS, data memory"),
    Rule("taalas__chip__area_mm2", "higher", rel=0.01, what="die area"),
    Rule("taalas__drc__chip_beol__count", "higher", what="DRC, chip (wiring layers)"),
    Rule("taalas__drc__chip_feol__count", "higher", what="DRC, chip FEOL"),
    Rule("taalas__lvs__chip_clean", "lower", what="LVS, chip"),
    Rule("taalas__rom__chip_readback_ok", "lower", what="weights read back from the chip GDS"),
    Rule("taalas__xor__chip_non_personalisation_layers", "higher",
         what="chip layers other than via3 differing between weight sets"),
    Rule("taalas__sta__core__setup_ws_tt_ns", "lower", abs=0.5,
         what="laid-out core setup worst slack, tt (ns)"),
    Rule("taalas__sta__core__setup_ws_ss_ns", "lower", abs=1.0,
         what="laid-out core setup worst slack, ss (ns)"),
    Rule("taalas__sta__core__hold_ws_ff_ns", "lower", abs=0.05,
         what="laid-out core hold worst slack, ff (ns)"),
    Rule("taalas__dmem__bank_read_ns", "higher", rel=0.05, what="data-memory bank read (ns)"),
    Rule("taalas__dmem__bank_hold_ws_ns", "lower", abs=0.1,
         what="data-memory bank hold slack (ns)"),
    Rule("taalas__dmem__max_cap_violations", "higher",
         what="data-memory stages driving past their cell's max_capacitance"),
    Rule("taalas__chip__port_max_cap_violations", "higher",
         what="nets between the core and other blocks past their driver's max_capacitance"),
    Rule("taalas__dmem__drive_clk_ns", "higher", rel=0.1,
         what="data-memory clock insertion at its banks, latest (ns)"),
    Rule("taalas__sta__chip__period_bound_tt_ns", "higher", rel=0.05,
         what="period the paths between blocks need, tt (ns)"),
    Rule("taalas__sta__chip__dmem_write_hold_bound_tt_ns", "lower", abs=0.1,
         what="data-memory write inputs' hold at the banks, lower bound, tt (ns)"),
    Rule("taalas__sta__chip__dmem_write_hold_bound_ff_ns", "lower", abs=0.1,
         what="data-memory write inputs' hold at the banks, lower bound, ff (ns)"),
    Rule("taalas__sta__chip__hold_bound_tt_ns", "lower", abs=0.1,
         what="hold between blocks (into the core, the ROM macros), lower bound, tt (ns)"),
    Rule("taalas__sta__chip__hold_bound_ff_ns", "lower", abs=0.1,
         what="hold between blocks (into the core, the ROM macros), lower bound, ff (ns)"),
    Rule("taalas__engine__cycles_per_token_first", "higher", rel=0.0, what="cycles/token"),
    Rule("taalas__quality__golden_loss", "higher", abs=0.002, what="held-out loss (golden)"),
    Rule("taalas__flow__runtime_s", "higher", rel=0.5, abs=30.0, what="flow runtime (s)"),
]


@dataclass
class Comparison:
    rule: Rule
    baseline: float | None
    current: float | None

    @property
    def status(self) -> str:
        if self.baseline is None:
            return "new"
        if self.current is None:
            return "missing"
        delta = self.current - self.baseline
        worse = delta if self.rule.worse_when == "higher" else -delta
        allowed = self.rule.abs + self.rule.rel * abs(self.baseline)
        if worse > allowed + 1e-12:
            return "REGRESSED"
        return "improved" if worse < 0 else "ok"

    @property
    def failed(self) -> bool:
        return self.status in ("REGRESSED", "missing")

    @property
    def tolerance(self) -> str:
        parts = ([f"{self.rule.rel:.0%}"] if self.rule.rel else []) + (
            [f"{self.rule.abs:g}"] if self.rule.abs else [])
        return ("+" if self.rule.worse_when == "higher" else "-") + (
            " + ".join(parts) if parts else "0")


def run_metrics(run_dir: Path) -> dict:
    """final/metrics.json plus the flow's wall time: the sum of the stages' runtimes, each
    stage's last attempt only (a run resumed with --from keeps the superseded ones)."""
    data = collect(run_dir)
    return {**data.metrics, "taalas__flow__runtime_s": round(data.full_run_s, 1)}


def load_baseline(path: Path) -> dict:
    try:
        base = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise InputError(f"baseline not found: {path}",
                         "write one with `taalas-flow ci --write-baseline FILE`") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"baseline {path} is not JSON: {exc}") from exc
    if not isinstance(base, dict):
        raise InputError(f"baseline {path} is not a metrics object")
    return base


def compare(baseline: dict, current: dict) -> list[Comparison]:
    return [Comparison(r, baseline.get(r.metric), current.get(r.metric)) for r in RULES
            if r.metric in baseline or r.metric in current]
