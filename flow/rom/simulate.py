"""Transistor-level read simulation of a whole generated ROM macro with ngspice.

LVS proves that the layout is the generated netlist; this proves that the netlist is a ROM: the
netlist the LVS checked (standard cells as the PDK's transistor subcircuits, every bitcell) is
simulated with the sky130 device models, a sequence of words is read through the real word-line
drivers, precharge, column select and output flops, and every DOUT bit is compared with the
image. Device junction areas are not modelled for the periphery (the CDL carries none), so the
delays reported are the transistors' and the bitcells', not the wiring's; devices narrower than
the models' smallest bin (`spice_models.min_model_w`) are simulated at that width.

One read cycle (period T): PRE high while the address pins move to the next address (the
predecoder holds every P line low meanwhile); PRE falls at 0.30 T, which lets the addressed
word line rise; CLK rises at 0.90 T and DOUT is sampled just before the next rising edge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from taalas_flow.pdk import PdkConfig
from taalas_flow.rom.characterise import _run, model_lib
from taalas_flow.rom.predecode import PredecodePlan
from taalas_flow.toolchain import require_tool

KEEP_PARAMS = ("w", "l")
EDGE_NS = 0.05


def cdl_to_spice(cdl: str, pdk: PdkConfig) -> str:
    """The LVS netlist in ngspice syntax: CDL `M` devices become instances of the PDK's model
    subcircuits (sky130_fd_pr__<model>), with their width, length and multiplier."""
    sm = pdk.data["spice_models"]
    prefix = sm["nfet"].rsplit("__", 1)[0] + "__"
    min_w = float(sm["min_model_w"])
    joined = re.sub(r"\n\+", " ", cdl)
    out = []
    for line in joined.splitlines():
        if line.startswith("M"):
            tok = line.split()
            params = dict(t.split("=", 1) for t in tok[6:] if "=" in t)
            params["w"] = str(max(min_w, float(params["w"])))
            kept = " ".join(f"{k}={params[k]}" for k in KEEP_PARAMS if k in params)
            mult = int(params.get("m", 1)) * int(float(params.get("mult", 1)))
            out.append(f"X{tok[0]} {' '.join(tok[1:5])} {prefix}{tok[5]} {kept} mult={mult}")
        elif line.startswith("*.PININFO"):
            continue
        else:
            out.append(line)
    return "\n".join(out)


@dataclass(frozen=True)
class MacroRead:
    corner: str
    period_ns: float
    addresses: list[int]
    expected: np.ndarray          # [reads, width]
    got: np.ndarray               # [reads, width]
    dout_v: np.ndarray            # sampled DOUT voltages
    wl_to_dl_ns: float            # P line 50 % to data line 50 % on the first read of a 1
    driver_ns: float = float("nan")          # P line to word line (decoder/driver)
    select_ns: float = float("nan")          # bit line falling to data line rising
    decoder_ns: float = float("nan")         # field line to group decode output G
    pre_to_p_ns: float = float("nan")        # PRE falling to P line rising (predecoder)
    predecode_f_ns: float = float("nan")     # address pin to field line (predecoder)
    predecode_sel_ns: float = float("nan")   # address pin to column select (predecoder)
    clk_to_q_ns: dict = field(default_factory=dict)   # rise/fall, CLK 50 % to DOUT 50 %
    out_slew_ns: dict = field(default_factory=dict)   # rise/fall, DOUT 20-80 %

    @property
    def passed(self) -> bool:
        return bool(np.array_equal(self.expected, self.got))


def _pwl(points: list[tuple[float, float]]) -> str:
    return "PWL(" + " ".join(f"{t:.4f}n {v:.4f}" for t, v in points) + ")"


def _wave(levels: list[int], times: list[float], vdd: float, start: float = 0.0) -> str:
    """A PWL that holds levels[i] from times[i] on (edges EDGE_NS long)."""
    pts = [(0.0, levels[0] * vdd)]
    for lvl, prev, t in zip(levels[1:], levels, times[1:], strict=False):
        if lvl != prev:
            pts += [(t, prev * vdd), (t + EDGE_NS, lvl * vdd)]
    return _pwl(pts)


def _address_edge(name: str, a_old: int, a_new: int, vdd: float, td: float) -> str:
    """Measure when the lowest address bit that changes between two reads crosses half
    supply (all address pins switch together)."""
    b = ((a_old ^ a_new) & -(a_old ^ a_new)).bit_length() - 1
    return f".meas tran {name} WHEN v(A{b})={vdd / 2} CROSS=1 TD={td:.4f}n"


def read_deck(pdk: PdkConfig, cdl: str, name: str, bits: np.ndarray, mux: int,
              addresses: list[int], corner: str, period_ns: float) -> str:
    rows, cols = bits.shape
    c = pdk.data["corners"][corner]
    vdd = c["vdd"]
    pre_plan = PredecodePlan(rows, mux)
    plan = pre_plan.row_plan
    nbits = pre_plan.address_bits
    width = cols // mux
    # Event times: each cycle contributes its phase boundaries.
    events: dict[str, list[int]] = {f"A{b}": [] for b in range(nbits)}
    events.update({"PRE": [], "CLK": []})
    times: list[float] = []
    for i, a in enumerate(addresses):
        t0 = i * period_ns
        # phases: [0, .3) precharge while the address moves, [.3, .9) word line on, [.9, 1)
        # clock
        for frac, pre, clk in ((0.0, 1, 0), (0.30, 0, 0), (0.90, 0, 1)):
            times.append(t0 + frac * period_ns)
            for b in range(nbits):
                events[f"A{b}"].append(a >> b & 1)
            events["PRE"].append(pre)
            events["CLK"].append(clk)
    # A closing precharge phase, so that the last word is clocked and held.
    times.append(len(addresses) * period_ns)
    for n, v in events.items():
        v.append(1 if n == "PRE" else 0 if n == "CLK" else v[-1])
    t_end = len(addresses) * period_ns + 0.5 * period_ns
    pins = re.search(rf"^\.SUBCKT {re.escape(name)} (.*)$", cdl, re.M).group(1).split()
    lines = [
        f"* ROM macro {name}: read of {len(addresses)} words, corner {corner}",
        f'.lib "{model_lib(pdk)}" {c["model_section"]}',
        f".temp {c['temp']}",
        cdl_to_spice(cdl, pdk),
        f"XROM {' '.join(pins)} {name}",
        f"VPWR VPWR 0 {vdd}",
        "VGND VGND 0 0",
        "VNB VNB 0 0",
    ]
    for n, lv in events.items():
        lines.append(f"V_{n} {n} 0 {_wave(lv, times, vdd)}")
    # rshunt: the drains of unprogrammed bitcells are otherwise floating nodes; a bounded
    # step keeps ngspice from stalling on the final time point.
    lines += [".options method=gear rshunt=1e12",
              f".tran 0.02n {t_end:.3f}n 0 {period_ns / 200:.4f}n"]
    for i in range(len(addresses)):
        t_sample = min((i + 1.85) * period_ns, (len(addresses) + 0.25) * period_ns)
        for s in range(width):
            lines.append(f".meas tran d{i}_{s} FIND v(DOUT{s}) AT={t_sample:.4f}n")
    first = next((i for i, a in enumerate(addresses)
                  if bits[a // mux, a % mux] == 1), None)
    if first is not None:
        # Stage by stage on the first read of a 1 on output 0: PRE falls, P line, word line,
        # bit line (falls), data line (rises).
        r, k = divmod(addresses[first], mux)
        t0 = first * period_ns
        td = t0 + 0.25 * period_ns
        lines += [f".meas tran t_pre WHEN v(PRE)={vdd / 2} FALL=1 TD={td:.4f}n",
                  f".meas tran t_p WHEN v(xrom.p{r % 4})={vdd / 2} RISE=1 TD={td:.4f}n",
                  f".meas tran t_wl WHEN v(xrom.wl{r})={vdd / 2} RISE=1 TD={td:.4f}n",
                  f".meas tran t_bl WHEN v(xrom.bl{k})={vdd / 2} FALL=1 TD={td:.4f}n",
                  f".meas tran t_dl WHEN v(xrom.dl0)={vdd / 2} RISE=1 TD={td:.4f}n"]
    # Predecoder (address edge to field line and to column select) and group decoder (field
    # line to G): the first read that moves to another group, and the first that moves to
    # another column.
    for i in range(1, len(addresses)):
        g_old, g_new = addresses[i - 1] // mux // 4, addresses[i] // mux // 4
        rising = sorted(set(plan.group_lines(g_new)) - set(plan.group_lines(g_old)))
        if rising:
            ti = i * period_ns - 0.1
            lines += [_address_edge("t_af", addresses[i - 1], addresses[i], vdd, ti),
                      f".meas tran t_f WHEN v(xrom.{rising[0].lower()})={vdd / 2} RISE=1 "
                      f"TD={ti:.4f}n",
                      f".meas tran t_g WHEN v(xrom.g_{g_new})={vdd / 2} RISE=1 TD={ti:.4f}n"]
            break
    for i in range(1, len(addresses)):
        k_old, k_new = addresses[i - 1] % mux, addresses[i] % mux
        if k_old != k_new:
            ti = i * period_ns - 0.1
            lines += [_address_edge("t_as", addresses[i - 1], addresses[i], vdd, ti),
                      f".meas tran t_sel WHEN v(xrom.sel{k_new})={vdd / 2} RISE=1 "
                      f"TD={ti:.4f}n"]
            break
    # Clock to output: every read whose output 0 differs from the previous read's.
    for i in range(1, len(addresses)):
        a, b = addresses[i - 1], addresses[i]
        if bits[a // mux, a % mux] != bits[b // mux, b % mux]:
            edge = "rise" if bits[b // mux, b % mux] else "fall"
            tc = (i + 0.9) * period_ns
            lines += [f".meas tran q{i}_{edge} TRIG v(CLK) VAL={vdd / 2} RISE=1 "
                      f"TD={tc - 0.1:.4f}n TARG v(DOUT0) VAL={vdd / 2} CROSS=1 TD={tc - 0.1:.4f}n",
                      f".meas tran s{i}_{edge} TRIG v(DOUT0) VAL={0.2 * vdd} CROSS=1 "
                      f"TD={tc - 0.1:.4f}n TARG v(DOUT0) VAL={0.8 * vdd} CROSS=1 "
                      f"TD={tc - 0.1:.4f}n"]
    lines += [".end", ""]
    return "\n".join(lines)


def simulate_reads(pdk: PdkConfig, bits: np.ndarray, mux: int, cdl: str, name: str,
                   addresses: list[int], corner: str, workdir: Path,
                   period_ns: float = 20.0) -> MacroRead:
    ngspice = require_tool("ngspice", "rom-simulation")
    workdir.mkdir(parents=True, exist_ok=True)
    width = bits.shape[1] // mux
    deck = read_deck(pdk, cdl, name, bits, mux, addresses, corner, period_ns)
    vals = _run(ngspice, deck, workdir / f"macro_read_{corner}.sp", probe="d0_0")
    vdd = pdk.data["corners"][corner]["vdd"]
    v = np.array([[vals[f"d{i}_{s}"] for s in range(width)] for i in range(len(addresses))])
    expected = np.array([[bits[a // mux, s * mux + a % mux] for s in range(width)]
                         for a in addresses], np.uint8)
    def span(a: str, b: str) -> float:
        return (vals[b] - vals[a]) * 1e9 if a in vals and b in vals else float("nan")

    def worst(prefix: str, edge: str) -> float:
        xs = [abs(x) * 1e9 for key, x in vals.items()
              if key.startswith(prefix) and key.endswith("_" + edge)]
        return max(xs) if xs else float("nan")

    return MacroRead(corner, period_ns, list(addresses), expected,
                     (v > vdd / 2).astype(np.uint8), v, span("t_p", "t_dl"),
                     driver_ns=span("t_p", "t_wl"), select_ns=span("t_bl", "t_dl"),
                     decoder_ns=span("t_f", "t_g"), pre_to_p_ns=span("t_pre", "t_p"),
                     predecode_f_ns=span("t_af", "t_f"),
                     predecode_sel_ns=span("t_as", "t_sel"),
                     clk_to_q_ns={e: worst("q", e) for e in ("rise", "fall")},
                     out_slew_ns={e: worst("s", e) for e in ("rise", "fall")})
