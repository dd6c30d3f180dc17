"""LEF abstract of a ROM macro, read back from the macro's own GDS: the outline, each pin's
shape (the drawn shape under its label), and obstructions.

Derived from the layout rather than from the generator's intentions, so the abstract cannot
drift from the GDS it stands for. The obstructions cover the whole outline on li1 to met4 (the
macro uses every track there, and the personalisation vias sit between met3 and met4); met5 is
left free for routing over the macro. VNB is the substrate (no drawn pin).
"""

from __future__ import annotations

import re
from pathlib import Path

import gdstk

from taalas_flow.errors import InputError
from taalas_flow.pdk import PdkConfig

PIN_LAYERS = ("met1", "met2", "met3", "met4")
OBS_LAYERS = ("li1", "met1", "met2", "met3", "met4")
POWER = {"VPWR": "POWER", "VGND": "GROUND"}
OUTPUT_PREFIX = ("DOUT",)


def _pin_rect(polys: list[gdstk.Polygon], x: float, y: float) -> tuple[float, ...] | None:
    """The largest drawn rectangle (bounding box) that contains (x, y)."""
    best, best_area = None, -1.0
    for p in polys:
        (x0, y0), (x1, y1) = p.bounding_box()
        if x0 <= x <= x1 and y0 <= y <= y1:
            a = (x1 - x0) * (y1 - y0)
            if a > best_area:
                best, best_area = (x0, y0, x1, y1), a
    return best


# Labels that name internal nets (bit lines, predecoded lines), not pins.
INTERNAL = re.compile(r"^(BL\d+|F\d+_\d+|P\d|SEL\d+)$")


def macro_pins(pdk: PdkConfig, top: gdstk.Cell) -> dict[str, tuple[str, tuple[float, ...]]]:
    """Pin name -> (metal, rectangle) from the top cell's labels on the pin layers, leaving out
    the labels of internal nets."""
    by_layer = {pdk.layer(m, "label"): m for m in PIN_LAYERS}
    polys: dict[str, list[gdstk.Polygon]] = {}
    pins: dict[str, tuple[str, tuple[float, ...]]] = {}
    for lb in top.labels:
        metal = by_layer.get((lb.layer, lb.texttype))
        if metal is None or INTERNAL.match(lb.text) or lb.text in pins:
            continue
        if metal not in polys:
            # Pins are drawn by the generator in the top cell or the one below it, never
            # inside the array or a standard cell: no need to flatten a megabit array.
            polys[metal] = top.get_polygons(layer=pdk.layer(metal)[0],
                                            datatype=pdk.layer(metal)[1], depth=1)
        rect = _pin_rect(polys[metal], *lb.origin)
        if rect is None:
            raise InputError(f"pin label {lb.text} at {tuple(lb.origin)} is on no {metal} shape")
        pins[lb.text] = (metal, rect)
    return pins


def _num(v: float) -> str:
    return f"{v + 0.0:.3f}"          # + 0.0: no "-0.000"


def rom_lef(pdk: PdkConfig, gds: Path, name: str) -> str:
    lib = gdstk.read_gds(str(gds))
    top = next((c for c in lib.cells if c.name == name), None)
    if top is None:
        raise InputError(f"{gds}: no cell named {name}")
    (x0, y0), (x1, y1) = top.bounding_box()
    pins = macro_pins(pdk, top)
    lines = [
        "VERSION 5.7 ;",
        'BUSBITCHARS "[]" ;',
        'DIVIDERCHAR "/" ;',
        f"MACRO {name}",
        "  CLASS BLOCK ;",
        f"  ORIGIN {_num(-x0)} {_num(-y0)} ;",
        f"  FOREIGN {name} 0 0 ;",
        f"  SIZE {_num(x1 - x0)} BY {_num(y1 - y0)} ;",
        "  SYMMETRY X Y ;",
    ]
    for pin in sorted(pins):
        metal, (a, b, c, d) = pins[pin]
        direction = ("INOUT" if pin in POWER else
                     "OUTPUT" if pin.startswith(OUTPUT_PREFIX) else "INPUT")
        lines += [
            f"  PIN {pin}",
            f"    DIRECTION {direction} ;",
            f"    USE {POWER.get(pin, 'CLOCK' if pin == 'CLK' else 'SIGNAL')} ;",
            "    PORT",
            f"      LAYER {metal} ;",
            f"        RECT {_num(a)} {_num(b)} {_num(c)} {_num(d)} ;",
            "    END",
            f"  END {pin}",
        ]
    lines.append("  OBS")
    for metal in OBS_LAYERS:
        lines += [f"    LAYER {metal} ;",
                  f"      RECT {_num(x0)} {_num(y0)} {_num(x1)} {_num(y1)} ;"]
    lines += ["  END", f"END {name}", "END LIBRARY", ""]
    return "\n".join(lines)


def write_rom_lef(pdk: PdkConfig, gds: Path, name: str, path: Path) -> Path:
    path.write_text(rom_lef(pdk, gds, name))
    return path
