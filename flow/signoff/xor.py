"""Layer-by-layer XOR of two GDS files (KLayout module): proves two chips differ only on the
personalisation layer(s)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import klayout.db as kdb


@dataclass(frozen=True)
class XorResult:
    differing: dict[str, int]          # "layer/datatype" -> XOR polygon count
    allowed: list[str]

    @property
    def foreign_layers(self) -> list[str]:
        """Layers that differ but may not: each one breaks the base-die invariant."""
        return [k for k in self.differing if k not in self.allowed]

    @property
    def only_allowed(self) -> bool:
        return not self.foreign_layers

    @property
    def allowed_diff_count(self) -> int:
        return sum(v for k, v in self.differing.items() if k in self.allowed)


def xor_gds(a: Path, b: Path, allowed: list[tuple[int, int]]) -> XorResult:
    la, lb = kdb.Layout(), kdb.Layout()
    la.read(str(a))
    lb.read(str(b))
    ta, tb = la.top_cell(), lb.top_cell()
    layers = {(i.layer, i.datatype) for i in la.layer_infos()} | \
             {(i.layer, i.datatype) for i in lb.layer_infos()}
    differing: dict[str, int] = {}
    # Deep (hierarchical) regions: identical base-die cells cancel without being flattened.
    dss = kdb.DeepShapeStore()
    dss.threads = 2
    for ld in sorted(layers):
        ia = la.find_layer(*ld)
        ib = lb.find_layer(*ld)
        ra = kdb.Region(ta.begin_shapes_rec(ia), dss) if ia is not None else kdb.Region()
        rb = kdb.Region(tb.begin_shapes_rec(ib), dss) if ib is not None else kdb.Region()
        diff = (ra ^ rb).count()
        if diff:
            differing[f"{ld[0]}/{ld[1]}"] = diff
    return XorResult(differing, [f"{x}/{y}" for x, y in allowed])
