"""A strict safetensors reader.

The format is an 8-byte little-endian header length, a JSON header of
{name: {dtype, shape, data_offsets}}, then raw little-endian data. Reading it ourselves lets every
malformed file produce a precise error (truncated, overlapping offsets, bad dtype) and supports
BF16, which NumPy has no dtype for.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from taalas_flow.errors import InputError

_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "F64": np.dtype("<f8")}
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", b"PK\x03\x04")


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """All tensors as float32 arrays."""
    try:
        blob = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    if blob[:4] in _PICKLE_MAGIC or blob[:2] in _PICKLE_MAGIC:
        raise InputError(
            f"{path} is a pickled (PyTorch) file renamed to .safetensors; refused because "
            "unpickling runs arbitrary code",
            "convert it with safetensors.torch.save_file in a trusted environment")
    if len(blob) < 8:
        raise InputError(f"{path}: truncated safetensors file ({len(blob)} bytes)")
    n = int.from_bytes(blob[:8], "little")
    if n <= 0 or 8 + n > len(blob):
        raise InputError(f"{path}: corrupt safetensors header (length {n}, file {len(blob)} "
                         "bytes)")
    try:
        header = json.loads(blob[8:8 + n])
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{path}: corrupt safetensors header (not JSON)") from None
    if not isinstance(header, dict):
        raise InputError(f"{path}: corrupt safetensors header")
    data = memoryview(blob)[8 + n:]
    out: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (lo, hi) = meta["dtype"], list(meta["shape"]), meta["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path}: tensor {name} has a malformed header entry") from None
        count = int(np.prod(shape)) if shape else 1
        if dtype == "BF16":
            width = 2
        elif dtype in _DTYPES:
            width = _DTYPES[dtype].itemsize
        else:
            raise InputError(f"{path}: tensor {name} has unsupported dtype {dtype}",
                             "supported: F32, F16, BF16, F64 (quantisation is done by the flow)")
        if not (0 <= lo <= hi <= len(data)) or hi - lo != count * width:
            raise InputError(f"{path}: tensor {name} data is truncated or its offsets are "
                             f"inconsistent ({lo}..{hi} for {count} x {dtype})")
        raw = bytes(data[lo:hi])
        if dtype == "BF16":
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[dtype]).astype(np.float32)
        out[name] = arr.reshape(shape)
    return out
