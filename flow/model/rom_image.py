"""The quantised model as a file: every integer the ROMs hold, plus packed bit images.

Written with fixed zip timestamps (numpy's savez), so identical weights give identical bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from taalas_flow.model.config import LlamaConfig
from taalas_flow.model.golden import QuantModel, assemble_quant_model
from taalas_flow.model.quantise import NormVector, QuantMatrix, pack_bits


def save_rom_image(qm: QuantModel, path: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    for name, m in qm.matrices().items():
        arrays[f"{name}/q"] = m.q
        arrays[f"{name}/scale"] = m.scale.astype(np.uint8)
        arrays[f"{name}/exp"] = m.exp.astype(np.int8)
        arrays[f"{name}/packed"] = np.packbits(pack_bits(m.q, m.bits))
    for i, n in enumerate(qm.norms):
        for k, v in n.items():
            arrays[f"norm.{i}.{k}/g"] = v.gi.astype(np.int8)
            arrays[f"norm.{i}.{k}/frac"] = np.array([v.frac], np.int8)
    arrays["norm.final/g"] = qm.final_norm.gi.astype(np.int8)
    arrays["norm.final/frac"] = np.array([qm.final_norm.frac], np.int8)
    meta = {"config": qm.config.to_dict(), "bits": qm.bits, "block": qm.block}
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8)
    with path.open("wb") as f:
        np.savez(f, **dict(sorted(arrays.items())))


def load_rom_image(path: Path) -> QuantModel:
    z = np.load(path)
    meta = json.loads(bytes(z["meta"]).decode())
    cfg = LlamaConfig(**meta["config"])
    bits, block = meta["bits"], meta["block"]

    def mat(name: str) -> QuantMatrix:
        return QuantMatrix(z[f"{name}/q"].astype(np.int8), z[f"{name}/scale"].astype(np.int32),
                           z[f"{name}/exp"].astype(np.int32), bits, block)

    def norm(key: str) -> NormVector:
        return NormVector(z[f"{key}/g"].astype(np.int32), int(z[f"{key}/frac"][0]))

    return assemble_quant_model(cfg, bits, block, mat, norm)
