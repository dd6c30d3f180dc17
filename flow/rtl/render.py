"""Render base-die RTL from rtl_templates/ with widths derived from the architecture, so the
templates hold structure and this module holds arithmetic (bounds, not guesses)."""

from __future__ import annotations

import math
from pathlib import Path

import jinja2

from taalas_flow.model import fixedpoint as fx
from taalas_flow.model.quantise import SCALE_BITS, qmax
from taalas_flow.resources import rtl_templates_dir


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(rtl_templates_dir())),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def mac_lane_params(w_bits: int, block: int, max_len: int) -> dict[str, int]:
    """Accumulator widths from worst-case magnitudes: |q| <= qmax, |x| <= 2^15, s <= 255."""
    act_w = 16
    psum_max = block * qmax(w_bits) * 2 ** (act_w - 1)
    acc_max = (max_len // block) * psum_max * (2**SCALE_BITS - 1)
    assert fx.ACT_MAX == 2 ** (act_w - 1) - 1
    return {"w_bits": w_bits, "act_w": act_w, "scale_w": SCALE_BITS,
            "psum_w": math.ceil(math.log2(psum_max + 1)) + 1,
            "acc_w": math.ceil(math.log2(acc_max + 1)) + 1}


def render_mac_lane(out: Path, module: str, w_bits: int, block: int, max_len: int,
                    requant: bool = True) -> Path:
    """`requant=False` drops the per-lane requantiser (and the `y` port, `row_exp` unused)."""
    text = _env().get_template("mac_lane.v.j2").render(
        module=module, requant=requant, **mac_lane_params(w_bits, block, max_len))
    out.write_text(text)
    return out
