"""Liberty timing view of a ROM macro, one file per corner, from measurements only.

Read protocol (see predecode.py, wordline.py and columns.py): the address pins A* settle while
PRE is high; PRE falls, which lets the addressed word line rise; DOUT is captured by the rising
CLK edge. Where each number comes from:

- setup of PRE (falling) to CLK = PRE to P line through the predecoder + word-line driver (both
  ngspice on the macro's LVS netlist, 50 % to 50 %) + array access at this macro's size
  (ngspice read path with the PDK's poly and met4 parasitics, far-corner bit,
  `characterise.py`) + column select (macro netlist: bit line 50 % falling to data line 50 %
  rising) + the output flop's setup (the PDK's dfxtp_1 liberty, worst entry of its table);
- setup of A* = the slowest way an address edge reaches a word line or a select (address to
  field line + group decoder, address to column select, or the P-line gate, each measured on the
  macro netlist) + driver + array + select + flop setup: a bound, since an address that
  changes only the column select does not wait for the array;
- hold of every input = the flop's hold from the PDK (worst entry; the read path only adds
  delay, so this is a safe bound);
- CLK to DOUT: DOUT is the dfxtp_1 Q pin, so its timing tables are the PDK's own for that pin;
  the macro simulation's clock-to-output (unloaded) is reported beside them as a cross-check;
- pin capacitance: the PDK's input capacitance of every cell pin on the net plus the net's own
  wire (its LEF pin shape, with the layer's area and edge capacitance from the technology LEF).

PRE's setup arc is on its falling edge; its rise (the next precharge) may follow CLK after the
hold time.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import gdstk
import numpy as np

from taalas_flow.errors import PdkError
from taalas_flow.pdk import PdkConfig
from taalas_flow.rom.characterise import _lef_layer_caps, characterise_read
from taalas_flow.rom.columns import FLOP
from taalas_flow.rom.lef import macro_pins
from taalas_flow.rom.macro import rom_macro
from taalas_flow.rom.predecode import PredecodePlan
from taalas_flow.rom.simulate import simulate_reads


def _block(text: str, start: int) -> str:
    """The brace-balanced block that opens at or after `start`."""
    i = text.index("{", start)
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[start:j + 1]
    raise PdkError("unbalanced braces in liberty file")


@lru_cache(maxsize=4)
def _read(path: Path) -> str:
    return path.read_text()


class PdkLiberty:
    """The few facts the macro's timing view takes from the standard-cell liberty."""

    def __init__(self, pdk: PdkConfig, corner: str) -> None:
        self.path = pdk.liberty(corner)
        self.text = _read(self.path)
        self.prefix = pdk.data["std_cell_library"] + "__"

    def cell(self, short: str) -> str:
        key = f'cell ("{self.prefix}{short}")'
        i = self.text.find(key)
        if i < 0:
            raise PdkError(f"{self.path}: no {key}")
        return _block(self.text, i)

    def pin(self, short: str, pin: str) -> str:
        c = self.cell(short)
        i = c.find(f'pin ("{pin}")')
        if i < 0:
            raise PdkError(f"{self.path}: {short} has no pin {pin}")
        return _block(c, i)

    def capacitance(self, short: str, pin: str) -> float:
        m = re.search(r"\bcapacitance : ([\d.eE+-]+)", self.pin(short, pin))
        return float(m.group(1))

    def max_capacitance(self, short: str, pin: str) -> float:
        """An output pin's limit: past it the cell's delay tables end."""
        m = re.search(r"\bmax_capacitance : ([\d.eE+-]+)", self.pin(short, pin))
        if not m:
            raise PdkError(f"{self.path}: {short}.{pin} has no max_capacitance")
        return float(m.group(1))

    def timings(self, short: str, pin: str) -> list[str]:
        p = self.pin(short, pin)
        out, i = [], p.find("timing ()")
        while i >= 0:
            out.append(_block(p, i))
            i = p.find("timing ()", i + len(out[-1]))
        return out

    def constraint(self, short: str, pin: str, timing_type: str) -> float:
        """Worst (largest) entry of a constraint table."""
        for t in self.timings(short, pin):
            if f'timing_type : "{timing_type}"' in t:
                vals = [float(v) for blk in re.findall(r'values\(([^;]*)\);', t)
                        for v in re.findall(r"[-\d.eE+]+", blk)]
                return max(vals)
        raise PdkError(f"{self.path}: {short}.{pin} has no {timing_type} arc")

    def template(self, name: str) -> str:
        i = self.text.find(f'lu_table_template ("{name}")')
        if i < 0:
            raise PdkError(f"{self.path}: no lu_table_template {name}")
        return _block(self.text, i)


@dataclass(frozen=True)
class MacroTiming:
    corner: str
    rows: int
    cols: int
    mux: int
    driver_ns: float
    array_access_ns: float
    select_ns: float
    decoder_ns: float
    pre_to_p_ns: float
    predecode_f_ns: float
    predecode_sel_ns: float
    flop_setup_ns: float
    flop_hold_ns: float
    setup_pre_ns: float
    setup_addr_ns: float
    sim_clk_to_q_ns: dict
    sim_read_correct: bool


def _probe_image(rows: int, mux: int) -> tuple[np.ndarray, list[int]]:
    """A 32-row, one-slice image and four reads: 0, far-corner 1, 0, 1 on DOUT0, each in another
    word-line group, so every stage measurement has an edge to time."""
    bits = np.random.default_rng(rows).integers(0, 2, (32, mux))
    picks = [(0, 0, 0), (31, mux - 1, 1), (5, 1 % mux, 0), (20, 2 % mux, 1)]
    for r, k, v in picks:
        bits[r, k] = v
    return bits, [r * mux + k for r, k, _ in picks]


def measure_timing(pdk: PdkConfig, rows: int, cols: int, mux: int, corner: str,
                   workdir: Path) -> MacroTiming:
    bits, addresses = _probe_image(rows, mux)
    _, cdl = rom_macro(pdk, bits, mux, "probe")
    sim = simulate_reads(pdk, bits, mux, cdl, "probe", addresses, corner, workdir / "macro")
    arr = characterise_read(pdk, rows, cols, corner, workdir / "array")
    lib = PdkLiberty(pdk, corner)
    setup = lib.constraint(FLOP, "D", "setup_rising")
    hold = lib.constraint(FLOP, "D", "hold_rising")
    stages = {"driver": sim.driver_ns, "select": sim.select_ns, "decoder": sim.decoder_ns,
              "PRE to P": sim.pre_to_p_ns, "address to field line": sim.predecode_f_ns,
              "address to column select": sim.predecode_sel_ns}
    for name, v in stages.items():
        if not np.isfinite(v) or v <= 0:
            raise PdkError(f"macro read simulation at {corner} did not time the {name} stage "
                           f"(see {workdir / 'macro'})")
    read = sim.driver_ns + arr.access_ns + sim.select_ns + setup
    address = max(sim.predecode_f_ns + sim.decoder_ns, sim.predecode_sel_ns, sim.pre_to_p_ns)
    return MacroTiming(corner, rows, cols, mux, sim.driver_ns, arr.access_ns, sim.select_ns,
                       sim.decoder_ns, sim.pre_to_p_ns, sim.predecode_f_ns,
                       sim.predecode_sel_ns, setup, hold, sim.pre_to_p_ns + read,
                       address + read, sim.clk_to_q_ns, sim.passed)


def _pin_loads(pdk: PdkConfig, lib: PdkLiberty, gds_top: gdstk.Cell, rows: int, cols: int,
               mux: int) -> dict[str, float]:
    """pF per input pin: cell pins on the net plus the wire of its pin shape."""
    plan = PredecodePlan(rows, mux)
    gate: dict[str, float] = {n: 0.0 for n in plan.pins()}
    for g in plan.gates():
        for pin, net in g.inputs.items():
            if net in gate:
                gate[net] += lib.capacitance(g.cell, pin)
    gate["CLK"] = cols // mux * lib.capacitance(FLOP, "CLK")
    tlef = pdk.path("tech_lef")
    out = {}
    for pin, (metal, (x0, y0, x1, y1)) in macro_pins(pdk, gds_top).items():
        if pin not in gate:
            continue
        area_c, edge_c = _lef_layer_caps(tlef, metal)
        w, length = sorted((x1 - x0, y1 - y0))
        out[pin] = gate[pin] + length * w * area_c + 2 * (length + w) * edge_c
    return out


def rom_liberty(pdk: PdkConfig, gds: Path, name: str, t: MacroTiming) -> str:
    lib = PdkLiberty(pdk, t.corner)
    c = pdk.data["corners"][t.corner]
    top = next(cell for cell in gdstk.read_gds(str(gds)).cells if cell.name == name)
    (x0, y0), (x1, y1) = top.bounding_box()
    loads = _pin_loads(pdk, lib, top, t.rows, t.cols, t.mux)
    q_timing = [b for b in lib.timings(FLOP, "Q") if 'related_pin : "CLK"' in b]
    templates = sorted(set(re.findall(r'\("(del_[\w]+)"\)', "".join(q_timing))))

    def constraint(kind: str, value: float) -> list[str]:
        return [
            "            timing () {",
            '                related_pin : "CLK";',
            f'                timing_type : "{kind}";',
            f'                rise_constraint ("scalar") {{ values ("{value:.4f}"); }}',
            f'                fall_constraint ("scalar") {{ values ("{value:.4f}"); }}',
            "            }",
        ]

    lines = [
        f"/* {name}: ROM macro {t.rows}x{t.cols}, mux {t.mux}, corner {t.corner}; generated",
        "   by taalas-flow from measurements (see flow/rom/liberty.py):",
        f"   {json.dumps(asdict(t))} */",
        f'library ("{name}_{t.corner}") {{',
        '    delay_model : "table_lookup";',
        '    time_unit : "1ns";',
        '    voltage_unit : "1V";',
        '    current_unit : "1mA";',
        '    pulling_resistance_unit : "1kohm";',
        '    leakage_power_unit : "1nW";',
        '    capacitive_load_unit(1.0, "pf");',
        "    nom_process : 1.0;",
        f"    nom_voltage : {c['vdd']};",
        f"    nom_temperature : {c['temp']};",
        f'    operating_conditions ("{t.corner}") {{',
        f"        process : 1.0; voltage : {c['vdd']}; temperature : {c['temp']};",
        "    }",
        f'    default_operating_conditions : "{t.corner}";',
        "    input_threshold_pct_rise : 50.0; input_threshold_pct_fall : 50.0;",
        "    output_threshold_pct_rise : 50.0; output_threshold_pct_fall : 50.0;",
        "    slew_lower_threshold_pct_rise : 20.0; slew_upper_threshold_pct_rise : 80.0;",
        "    slew_lower_threshold_pct_fall : 20.0; slew_upper_threshold_pct_fall : 80.0;",
    ]
    lines += ["    " + lib.template(n).replace("\n", "\n    ") for n in templates]
    lines += [
        f'    cell ("{name}") {{',
        f"        area : {(x1 - x0) * (y1 - y0):.4f};",
        "        dont_touch : true;",
        "        dont_use : true;",
        '        pin ("CLK") {',
        '            direction : "input";',
        "            clock : true;",
        f"            capacitance : {loads['CLK']:.6f};",
        "        }",
    ]
    for pin in sorted(loads):
        if pin == "CLK":
            continue
        lines += [f'        pin ("{pin}") {{', '            direction : "input";',
                  f"            capacitance : {loads[pin]:.6f};"]
        setup = t.setup_pre_ns if pin == "PRE" else t.setup_addr_ns
        lines += constraint("setup_rising", setup) + constraint("hold_rising", t.flop_hold_ns)
        lines.append("        }")
    for s in range(t.cols // t.mux):
        lines += [f'        pin ("DOUT{s}") {{', '            direction : "output";']
        lines += ["            " + b.replace("\n", "\n    ").strip() for b in q_timing]
        lines.append("        }")
    lines += ["    }", "}", ""]
    return "\n".join(lines)


def write_rom_liberty(pdk: PdkConfig, gds: Path, name: str, t: MacroTiming, path: Path) -> Path:
    path.write_text(rom_liberty(pdk, gds, name, t))
    return path
