"""What the base die is built for: one architecture, one bit width, one parallelism. Everything
the RTL generator, the ROM map and the microcode need is derived here, once."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from taalas_flow.errors import InputError
from taalas_flow.model import fixedpoint as fx
from taalas_flow.model.config import LlamaConfig
from taalas_flow.model.quantise import SCALE_BITS
from taalas_flow.regfile.memory import MemoryPlan
from taalas_flow.rtl.render import mac_lane_params

ACT_W = 16


def _bits_for(n: int) -> int:
    return max(1, math.ceil(math.log2(max(n, 2))))


@dataclass(frozen=True)
class EngineArch:
    config: LlamaConfig
    bits: int
    block: int
    lanes: int              # MAC lanes = output rows computed in parallel

    def __post_init__(self) -> None:
        c = self.config
        if c.num_attention_heads % c.num_key_value_heads:
            raise InputError("attention heads must be a multiple of key/value heads")
        if self.block < 2:
            raise InputError(f"block size {self.block} is below the engine's minimum of 2")
        rows = {c.hidden_size, c.intermediate_size, c.vocab_size, c.kv_dim,
                c.num_attention_heads * c.head_dim}
        for r in sorted(rows):
            if r % self.lanes:
                raise InputError(f"matrix dimension {r} is not a multiple of {self.lanes} lanes",
                                 "choose a lane count that divides every layer width")
        if self.lanes > min(c.hidden_size, c.intermediate_size) + 1:
            raise InputError(f"{self.lanes} lanes cannot drain within one row group")
        if c.head_dim % 2:
            raise InputError("rotary embeddings need an even head dimension")
        for what, v in (("block size", self.block), ("lane count", self.lanes)):
            if v & (v - 1):
                raise InputError(f"the engine needs a power-of-two {what}, got {v}")

    @property
    def constants(self) -> fx.ArchConstants:
        c = self.config
        return fx.ArchConstants(c.hidden_size, c.head_dim, c.max_position_embeddings,
                                c.rms_norm_eps, c.rope_theta)

    @property
    def max_cols(self) -> int:
        c = self.config
        return max(c.hidden_size, c.intermediate_size, c.num_attention_heads * c.head_dim)

    @cached_property
    def mac(self) -> dict[str, int]:
        return mac_lane_params(self.bits, self.block, self.max_cols)

    @property
    def weight_word_bits(self) -> int:
        return self.lanes * self.bits

    @property
    def param_word_bits(self) -> int:
        return self.lanes * SCALE_BITS

    @cached_property
    def memory_map(self) -> dict[str, int]:
        """Base addresses of every vector in the data memory (16-bit words), KV cache last."""
        c = self.config
        regions = [("x", c.hidden_size), ("h", c.hidden_size), ("t", c.hidden_size),
                   ("q", c.num_attention_heads * c.head_dim),
                   ("att", c.num_attention_heads * c.head_dim),
                   ("gate", c.intermediate_size), ("up", c.intermediate_size),
                   ("hid", c.intermediate_size), ("sc", c.max_position_embeddings)]
        for i in range(c.num_hidden_layers):
            regions += [(f"k{i}", c.max_position_embeddings * c.kv_dim),
                        (f"v{i}", c.max_position_embeddings * c.kv_dim)]
        out, addr = {}, 0
        for name, size in regions:
            out[name] = addr
            addr += size
        out["_size"] = addr
        return out

    @property
    def memory_plan(self) -> MemoryPlan:
        """The data memory as register-file banks (flow/regfile)."""
        return MemoryPlan(self.memory_map["_size"])

    @property
    def data_addr_bits(self) -> int:
        return _bits_for(self.memory_map["_size"])

    @property
    def pos_bits(self) -> int:
        return _bits_for(self.config.max_position_embeddings + 1)

    @property
    def token_bits(self) -> int:
        return _bits_for(self.config.vocab_size)

    @property
    def ms_bits(self) -> int:
        """Width of the RMSNorm mean square (Q16) incl. eps, from the worst-case input."""
        k = self.constants
        ss_max = self.config.hidden_size * (1 << (2 * (ACT_W - 1)))
        return ((ss_max * k.rms_inv_d) >> 16).bit_length() + 1

    @property
    def post_operand_bits(self) -> int:
        """Stage-2 operand width: the largest pre-shift value any unit hands to the shared
        round/shift/saturate stage (accumulator, attention numerator, dot product, norm)."""
        c, act = self.config, 1 << (ACT_W - 1)
        bounds = [1 << (self.mac["acc_w"] - 1),
                  c.max_position_embeddings * act * act,       # sum_t e_t * v_t
                  c.head_dim * act * act,                      # q . k
                  act * (1 << 17)]                             # x * rsqrt table
        return max(b.bit_length() for b in bounds) + 1

    @property
    def logit_bits(self) -> int:
        """Logits keep acc width plus the largest left shift the ROM map admits."""
        return self.mac["acc_w"] + LOGIT_HEADROOM


LOGIT_HEADROOM = 16   # LM-head row exponents above this are refused by the ROM map
