"""Which signoff checks a finished run failed, from its metrics alone, so that `taalas-flow run`
can exit non-zero on a dirty layout (a nightly job must not go green on DRC errors) while keeping
everything it wrote."""

from __future__ import annotations


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
    if metrics.get("taalas__rom__readback_ok", 1) != 1:
        out.append("readback: the weights read back from the GDS differ from the model")
    if metrics.get("taalas__xor__non_personalisation_layers", 0) != 0:
        out.append(f"XOR: {metrics['taalas__xor__non_personalisation_layers']} layers other "
                   "than the personalisation layer differ")
    return out
