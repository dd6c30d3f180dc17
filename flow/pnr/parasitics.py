"""Parasitics of a generated block, estimated from the wiring as drawn, written as SPEF for
OpenSTA.

How: every net's metal is known by layer, width and length (stubs, bars, met3 segments,
trunks) and its cuts by layer (BlockLayout.wires/cuts). With the tech LEF's per-layer numbers
(RPERSQ; CPERSQDIST x width + 2 x EDGECAPACITANCE per um; RESISTANCE per cut), a net becomes
one lumped RC: its total wire capacitance on a hub node, its total resistance split between
the driver-to-hub branch and each hub-to-load branch. Coupling between nets is not modelled
(the left-edge tracks keep a full spacing between neighbours, but a real extraction would
add it); the cells' pin capacitances come from the liberty."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from taalas_flow.errors import PdkError
from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout
from taalas_flow.pnr.netlist import GateNetlist


@dataclass(frozen=True)
class LayerRC:
    r_sq: float          # ohm per square
    c_area: float        # pF per um^2
    c_edge: float        # pF per um of edge

    def r(self, width: float, length: float) -> float:
        return self.r_sq * length / width

    def c(self, width: float, length: float) -> float:
        return (self.c_area * width + 2 * self.c_edge) * length


@cache
def _tech(path: str) -> tuple[dict[str, LayerRC], dict[str, float]]:
    text = Path(path).read_text()
    metals, cuts = {}, {}
    for name, body in re.findall(r"^LAYER (\S+)\n(.*?)^END \1", text, re.S | re.M):
        if "TYPE ROUTING" in body:
            r = re.search(r"RESISTANCE RPERSQ ([\d.eE+-]+)", body)
            c = re.search(r"CAPACITANCE CPERSQDIST ([\d.eE+-]+)", body)
            e = re.search(r"EDGECAPACITANCE ([\d.eE+-]+)", body)
            if r and c and e:
                metals[name] = LayerRC(float(r.group(1)), float(c.group(1)), float(e.group(1)))
        elif "TYPE CUT" in body:
            r = re.search(r"RESISTANCE ([\d.eE+-]+)", body)
            if r:
                cuts[name] = float(r.group(1))
    return metals, cuts


def tech_rc(pdk: PdkConfig) -> tuple[dict[str, LayerRC], dict[str, float]]:
    metals, cuts = _tech(str(pdk.path("tech_lef")))
    for layer in ("met1", "met2", "met3", "met4"):
        if layer not in metals:
            raise PdkError(f"{pdk.path('tech_lef')}: no RPERSQ/CPERSQDIST/EDGECAPACITANCE "
                           f"for {layer}")
    return metals, cuts


def wire_rc(pdk: PdkConfig, wires: dict[tuple[str, float], float],
            cuts: dict[str, int]) -> tuple[float, float]:
    """(ohm, pF) of metal by (layer, width) -> um and cuts by layer -> count, in series."""
    metals, cut_r = tech_rc(pdk)
    r = c = 0.0
    for (layer, w), length in wires.items():
        r += metals[layer].r(w, length)
        c += metals[layer].c(w, length)
    for layer, k in cuts.items():
        r += cut_r.get(layer, 0.0) * k
    return r, c


def net_rc(pdk: PdkConfig, block: BlockLayout, net: str) -> tuple[float, float]:
    """(ohm, pF) of one net's wiring."""
    return wire_rc(pdk, block.wires.get(net, {}), block.cuts.get(net, {}))


def port_wire_pf(pdk: PdkConfig, block: BlockLayout) -> dict[str, float]:
    """Wire capacitance (pF) of each of the block's port nets that it wires itself, by the
    port's CDL name."""
    from taalas_flow.pnr.block import cdl_names

    spell = cdl_names(sorted(block.ports))
    return {spell[p]: net_rc(pdk, block, p)[1] for p in block.ports if p in block.wires}


def wire_tables(pdk: PdkConfig, block: BlockLayout, *children: BlockLayout
                ) -> dict[str, dict[str, float]]:
    """BlockLayout.net_pf for `block` assembled from `children`: its own port nets' wire and
    every child's tables (a child laid out by build_block has only its own)."""
    out = {block.name: port_wire_pf(pdk, block)}
    for c in children:
        out.update(c.net_pf or {c.name: port_wire_pf(pdk, c)})
    return out


def _spef_name(name: str, plain: bool) -> str:
    """A netlist name in SPEF: bus bits of declared vectors stay `a[0]`; Verilog escaped
    identifiers get their special characters escaped."""
    return name if plain else re.sub(r"([\[\]./:\\])", r"\\\1", name)


def write_spef(pdk: PdkConfig, block: BlockLayout, net: GateNetlist, path: Path) -> int:
    """Write the block's SPEF; returns the number of nets in it."""
    lib = StdCellLibrary(pdk)
    cell_of = {i.name: i.cell for i in net.instances}

    def nm(n: str) -> str:
        return _spef_name(n, n not in net.escaped)

    def inst_nm(i: str) -> str:
        return _spef_name(i, i not in net.escaped and re.fullmatch(r"[\w$]+", i) is not None)

    lines = ['*SPEF "IEEE 1481-1998"', f'*DESIGN "{block.name}"', '*DATE "2020-01-01"',
             '*VENDOR "taalas-flow"', '*PROGRAM "taalas-flow pnr"', '*VERSION "0.1"',
             '*DESIGN_FLOW "PIN_CAP NONE"', "*DIVIDER /", "*DELIMITER :",
             "*BUS_DELIMITER [ ]", "*T_UNIT 1 NS", "*C_UNIT 1 PF", "*R_UNIT 1 OHM",
             "*L_UNIT 1 HENRY", "", "*PORTS"]
    lines += [f"{nm(p)} {'I' if d == 'input' else 'O'}" for p, d in net.ports.items()
              if p in block.pins]
    count = 0
    for n in sorted(block.pins):
        pins = block.pins[n]
        r, c = net_rc(pdk, block, n)
        driver, loads = None, []
        for inst, pin in pins:
            if inst == "":
                node, is_drv = nm(pin), net.ports[pin] == "input"
                conn = f"*P {node} {'I' if is_drv else 'O'}"
            else:
                node = f"{inst_nm(inst)}:{pin}"
                is_drv = lib.cell(cell_of[inst]).directions.get(pin) == "OUTPUT"
                conn = f"*I {node} {'O' if is_drv else 'I'}"
            if is_drv and driver is None:
                driver = (node, conn)
            else:
                loads.append((node, conn))
        if driver is None or not loads:
            continue
        hub = f"{nm(n)}:1"
        lines += ["", f"*D_NET {nm(n)} {c:.6g}", "*CONN", driver[1]]
        lines += [cn for _, cn in loads]
        lines += ["*CAP", f"1 {hub} {c:.6g}", "*RES"]
        half = max(r / 2, 1e-3)
        lines.append(f"1 {driver[0]} {hub} {half:.6g}")
        for k, (node, _) in enumerate(loads, start=2):
            lines.append(f"{k} {hub} {node} {half:.6g}")
        lines.append("*END")
        count += 1
    path.write_text("\n".join(lines) + "\n")
    return count
