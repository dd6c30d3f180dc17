"""Model <-> ROM bit image. Every integer of the quantised model (weights, block scales, row
exponents, norm gains) is serialised in a fixed order into one bit stream and folded into a
rows x cols array; `unpack_model_bits` inverts it, which is how weights are read back from GDS."""

from __future__ import annotations

import numpy as np

from taalas_flow.model.golden import QuantModel, assemble_quant_model
from taalas_flow.model.quantise import NormVector, QuantMatrix, pack_bits, unpack_bits


def _fields(qm: QuantModel) -> list[tuple[str, np.ndarray, int, bool]]:
    """(name, values, width, signed) in ROM order."""
    out: list[tuple[str, np.ndarray, int, bool]] = []
    for name, m in qm.matrices().items():
        out += [(f"{name}/q", m.q, m.bits, True), (f"{name}/scale", m.scale, 8, False),
                (f"{name}/exp", m.exp, 8, True)]
    for i, n in enumerate(qm.norms):
        for k in ("input", "post"):
            out += [(f"norm.{i}.{k}/g", n[k].gi, 8, True),
                    (f"norm.{i}.{k}/frac", np.array([n[k].frac]), 8, True)]
    out += [("norm.final/g", qm.final_norm.gi, 8, True),
            ("norm.final/frac", np.array([qm.final_norm.frac]), 8, True)]
    return out


def model_bitstream(qm: QuantModel) -> np.ndarray:
    return np.concatenate([pack_bits(v, w) for _, v, w, _ in _fields(qm)])


def model_bit_image(qm: QuantModel, cols: int) -> np.ndarray:
    """The bit stream folded row-major into an array with an even number of rows."""
    stream = model_bitstream(qm)
    rows = -(-stream.size // cols)
    rows += rows % 2
    img = np.zeros(rows * cols, np.uint8)
    img[: stream.size] = stream
    return img.reshape(rows, cols)


def unpack_model_bits(template: QuantModel, image: np.ndarray) -> QuantModel:
    """Rebuild a QuantModel from a bit image, using `template` only for shapes and layout."""
    stream = image.ravel()
    pos = 0
    values: dict[str, np.ndarray] = {}
    for name, v, w, signed in _fields(template):
        n = v.size * w
        values[name] = unpack_bits(stream[pos:pos + n], w, signed).reshape(v.shape)
        pos += n

    def mat(name: str, like: QuantMatrix) -> QuantMatrix:
        return QuantMatrix(values[f"{name}/q"].astype(np.int8),
                           values[f"{name}/scale"].astype(np.int32),
                           values[f"{name}/exp"].astype(np.int32), like.bits, like.block)

    def norm(key: str) -> NormVector:
        return NormVector(values[f"{key}/g"].astype(np.int32), int(values[f"{key}/frac"][0]))

    like = template.matrices()
    return assemble_quant_model(template.config, template.bits, template.block,
                                lambda name: mat(name, like[name]), norm)
