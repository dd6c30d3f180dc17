"""The chip's wires between its blocks, as the timing across blocks sees them: each chip net's
resistance and capacitance from its metal as drawn (chip/channel.py records it, pnr/parasitics
prices it with the tech LEF's per-layer numbers), and, by walking the chip's CDL down the
block hierarchy, the standard cell in the neighbouring block that drives it and what it
meets there (its cell inputs' liberty capacitance, the blocks' own wiring of it).

What a path across blocks gets from them (chip/timing.py, steps/sta.port_timing):
- the driver charges the whole net: a core output is timed with the chip wire's capacitance
  plus what the net meets in the other blocks, every cell input on it and those blocks' own
  wiring of it (BlockLayout.net_pf: a memory address bit reaches every bank's decoder
  through the memory's bus, channels and columns); a core input with the cell that really
  drives it in the other block (its liberty arc, so a register's clock to Q is in the
  arrival) loaded by the wire;
- the chip wire's own delay, Elmore on a uniformly distributed RC line into what it meets:
  R_w x (C_w / 2 + C_rx); a net that meets no cell (a chip pin) counts the config's
  output_load_pf, the stand-in for one gate input used wherever a block's pin is loaded.
Not modelled: coupling between tracks (left-edge packing keeps a full spacing between
neighbours), and the resistance of the other block's wiring of the net (its capacitance is
in the load; its RC delay inside the block is not)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from taalas_flow.layout.cdl import cdl_subckts, subckt_pins
from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout
from taalas_flow.pnr.parasitics import net_rc


@dataclass(frozen=True)
class ChipWire:
    ohm: float
    pf: float
    um: float            # metal drawn, all layers

    def elmore_ns(self, load_pf: float) -> float:
        """Delay of the distributed line into `load_pf` (ohm x pF is ps)."""
        return self.ohm * (self.pf / 2 + load_pf) * 1e-3


def chip_wires(pdk: PdkConfig, chip: BlockLayout) -> dict[str, ChipWire]:
    """Every chip net's wire (build_chip's BlockLayout: its wires/cuts)."""
    out = {}
    for net in chip.wires:
        r, c = net_rc(pdk, chip, net)
        out[net] = ChipWire(r, c, sum(chip.wires[net].values()))
    return out


class CdlDrivers:
    """Which standard cell output drives a net of a subcircuit, and what the net meets,
    through any depth of hierarchy, in one generated CDL (subcircuit instances X<name>
    <nets...> <cell>)."""

    def __init__(self, pdk: PdkConfig, cdl: str,
                 net_pf: dict[str, dict[str, float]] | None = None) -> None:
        """`net_pf`: the blocks' own wire per port net (BlockLayout.net_pf, merged)."""
        self.subckts = cdl_subckts(cdl)
        self.net_pf = net_pf or {}
        self.std_prefix = str(pdk.data["std_cell_library"]) + "__"
        self.lib = StdCellLibrary(pdk)
        self._pins: dict[str, list[str]] = {}
        self._lines: dict[str, list[tuple[str, list[str]]]] = {}
        self._pairs: dict[str, dict[str, list[tuple[str, int]]]] = {}
        self._index: dict[str, dict[str, list[tuple[str, int, int]]]] = {}
        self._drivers: dict[tuple[str, str], tuple[str, str, str, int] | None] = {}
        self._meets: dict[tuple[str, str], tuple[float, float]] = {}

    def pins(self, cell: str) -> list[str]:
        if cell not in self._pins:
            self._pins[cell] = subckt_pins(self.subckts[cell])
        return self._pins[cell]

    def _rows(self, subckt: str) -> list[tuple[str, list[str]]]:
        """(child cell, its nets in pin order) of each X instance of one subcircuit."""
        if subckt not in self._lines:
            text = self.subckts[subckt]
            joined = re.sub(r"\n\+", " ", text)
            rows = []
            for line in joined.split("\n")[1:]:
                tok = line.split()
                if not tok or not tok[0].upper().startswith("X"):
                    continue
                tok = [t for t in tok if "=" not in t]
                rows.append((tok[-1], tok[1:-1]))
            self._lines[subckt] = rows
        return self._lines[subckt]

    def _instances(self, subckt: str) -> dict[str, list[tuple[str, int]]]:
        """net -> [(child cell, pin position)] of one subcircuit's X instances."""
        if subckt not in self._pairs:
            self._pairs[subckt] = {n: [(c, i) for c, i, _k in at]
                                   for n, at in self._at(subckt).items()}
        return self._pairs[subckt]

    def _at(self, subckt: str) -> dict[str, list[tuple[str, int, int]]]:
        """net -> [(child cell, pin position, instance's row in _rows)]."""
        if subckt not in self._index:
            idx: dict[str, list[tuple[str, int, int]]] = {}
            for k, (cell, nets) in enumerate(self._rows(subckt)):
                for i, n in enumerate(nets):
                    idx.setdefault(n, []).append((cell, i, k))
            self._index[subckt] = idx
        return self._index[subckt]

    def on(self, subckt: str, net: str) -> list[tuple[str, str]]:
        """(subcircuit, its pin) of each instance of `subckt` on its `net` that is a
        subcircuit of the CDL (a block, a cell with a netlist)."""
        return [(c, self.pins(c)[i]) for c, i in self._instances(subckt).get(net, [])
                if c in self.subckts]

    def sinks(self, subckt: str, net: str, liberty, wire: bool = True) -> dict[str, float]:
        """pF each subcircuit instance of `subckt` on its `net` puts on it, by subcircuit
        (meets(): its cell inputs and, with `wire`, its own wiring of the net), a subcircuit
        on the net more than once summed."""
        out: dict[str, float] = {}
        for cell, pin in self.on(subckt, net):
            pins, w = self.meets(cell, pin, liberty)
            out[cell] = out.get(cell, 0.0) + pins + (w if wire else 0.0)
        return out

    def fanout(self, subckt: str, net: str) -> int:
        """Instances of `subckt` on its `net` (any kind: cells or blocks)."""
        return len(self._instances(subckt).get(net, []))

    def std_cell(self, cell: str) -> str | None:
        """The library's short name (buf_4) of a standard-cell subcircuit, whatever block
        prefix it carries; None for any other subcircuit."""
        k = cell.find(self.std_prefix)
        return cell[k + len(self.std_prefix):] if k >= 0 else None

    def _is(self, short: str, pin: str, direction: str) -> bool:
        """Whether a library cell's pin has this LEF direction (INPUT, OUTPUT)."""
        return self.lib.has(short) and self.lib.cell(short).directions.get(pin) == direction

    def driver(self, subckt: str, net: str) -> tuple[str, str] | None:
        """(cell short name, output pin) of the standard cell driving `net` of `subckt`."""
        got = self._driving(subckt, net)
        return None if got is None else got[:2]

    def _driving(self, subckt: str, net: str) -> tuple[str, str, str, int] | None:
        """driver(), and where the cell is: the subcircuit holding it and its row there."""
        key = (subckt, net)
        if key in self._drivers:
            return self._drivers[key]
        self._drivers[key] = None        # a loop in the hierarchy finds nothing
        found = None
        for cell, i, k in self._at(subckt).get(net, []):
            if cell not in self.subckts:
                continue
            pin = self.pins(cell)[i]
            short = self.std_cell(cell)
            if short is None:
                found = self._driving(cell, pin)
            elif self._is(short, pin, "OUTPUT"):
                found = (short, pin, subckt, k)
            if found:
                break
        self._drivers[key] = found
        return found

    def driver_path(self, subckt: str, net: str, through: frozenset[str] = frozenset()
                    ) -> list[tuple[str, str]]:
        """The standard cells driving `net` of `subckt`, the driver last: a driver whose
        cell is in `through` (single-input buffers, such as a block's port buffers) is
        preceded by the cell driving its input A in the same subcircuit. Empty when
        nothing drives the net."""
        got = self._driving(subckt, net)
        if got is None:
            return []
        short, pin, holder, k = got
        path = [(short, pin)]
        if short in through:
            cell, nets = self._rows(holder)[k]
            before = self._driving(holder, nets[self.pins(cell).index("A")])
            if before is not None:
                path.insert(0, before[:2])
        return path

    def meets(self, subckt: str, net: str, liberty) -> tuple[float, float]:
        """(pF of cell inputs, pF of wire) on `net` of `subckt`, at any depth: every
        standard-cell input's liberty capacitance (a ROM macro's cells at device level
        count as the cells they are) and every block's own wiring of the net (net_pf)."""
        key = (subckt, net)
        if key in self._meets:
            return self._meets[key]
        self._meets[key] = (0.0, 0.0)       # a loop in the hierarchy adds nothing
        pins, wire = 0.0, self.net_pf.get(subckt, {}).get(net, 0.0)
        for cell, i in self._instances(subckt).get(net, []):
            if cell not in self.subckts:
                continue
            pin = self.pins(cell)[i]
            short = self.std_cell(cell)
            if short is None:
                p, w = self.meets(cell, pin, liberty)
                pins, wire = pins + p, wire + w
            elif self._is(short, pin, "INPUT"):
                pins += liberty.capacitance(short, pin)
        self._meets[key] = (pins, wire)
        return pins, wire

    def _others(self, top: str, skip: str, net: str) -> list[tuple[str, int]]:
        """(cell, pin position) of the subcircuit instances on `net` of `top`, but `skip`'s."""
        return [(c, i) for c, i in self._instances(top).get(net, [])
                if c != skip and c in self.subckts]

    def beyond(self, top: str, skip: str, nets: list[str], liberty
               ) -> dict[str, tuple[float, float]]:
        """For each of `nets` of `top`, what it meets in the instances of `top` other than
        `skip` (meets()): what the block being timed drives beyond the chip wire."""
        out = {}
        for n in nets:
            got = [self.meets(cell, self.pins(cell)[i], liberty)
                   for cell, i in self._others(top, skip, n)]
            out[n] = (sum(p for p, _w in got), sum(w for _p, w in got))
        return out

    def drivers_outside(self, top: str, skip: str, nets: list[str]) -> dict[str, tuple[str, str]]:
        """For each of `nets` of `top`, the standard cell driving it from an instance of `top`
        other than `skip` (the block being timed); nets nothing else drives are left out."""
        return {n: path[-1] for n, path in self.driver_paths_outside(top, skip, nets).items()}

    def driver_paths_outside(self, top: str, skip: str, nets: list[str],
                             through: frozenset[str] = frozenset()
                             ) -> dict[str, list[tuple[str, str]]]:
        """drivers_outside() as driver_path(): the driver last, a `through` buffer preceded
        by the cell driving it."""
        out = {}
        for n in nets:
            for cell, i in self._others(top, skip, n):
                got = self.driver_path(cell, self.pins(cell)[i], through)
                if got:
                    out[n] = got
                    break
        return out
