"""Which signoff checks a finished run failed, from its metrics alone, so that `taalas-flow run`
can exit non-zero on a dirty layout (a nightly job must not go green on DRC errors) while keeping
everything it wrote.

Hold is a failure at any corner: a hold violation breaks the chip at every clock. Setup is
not: a negative setup slack at the flow's clock target means the chip runs slower (the run
prints the clock it meets and the report shows it), not that it is wrong."""

from __future__ import annotations

import re

_READBACK = re.compile(r"taalas__rom__(?:(\w+)_)?readback_ok")
_XOR = re.compile(r"taalas__xor__(?:(\w+)_)?non_personalisation_layers")
_HOLD = re.compile(r"taalas__sta__(\w+)__hold_ws_(\w+)_ns")


def signoff_failures(metrics: dict) -> list[str]:
    """Human-readable failures; empty when every check present in the metrics passed."""
    out = []
    for k, v in sorted(metrics.items()):
        if k.startswith("taalas__drc__") and k.endswith("__count") and v != 0:
            out.append(f"DRC {k.removeprefix('taalas__drc__').removesuffix('__count')}: "
                       f"{v} violations")
        elif k.startswith("taalas__sim__") and k.endswith("__mismatches") and v != 0:
            out.append(f"simulation {k.removeprefix('taalas__sim__').removesuffix('__mismatches')}"
                       f": {v} mismatches")
        elif k.startswith("taalas__lvs__") and k.endswith("_clean") and v != 1:
            out.append(f"LVS {k.removeprefix('taalas__lvs__').removesuffix('_clean')}: "
                       "not clean")
    for k, v in sorted(metrics.items()):
        if (m := _READBACK.fullmatch(k)) and v != 1:
            out.append(f"readback{_of(m)}: the weights read back from the GDS differ from the "
                       "model")
        elif (m := _XOR.fullmatch(k)) and v != 0:
            out.append(f"XOR{_of(m)}: {v} layers other than the personalisation layer differ")
        elif (m := _HOLD.fullmatch(k)) and v < 0:
            out.append(f"hold {m.group(1)} at {m.group(2)}: worst slack {v:.3f} ns")
    return out


def _of(m: re.Match) -> str:
    return f" ({m.group(1)})" if m.group(1) else ""
