"""The engine's microcode: the fixed sequence of vector instructions that runs one token through
the decoder. It is generated from the architecture alone (addresses, lengths), so it is part of
the base die; the RTL holds it as a ROM indexed by the program counter.

Mark instructions pulse `mark_valid` with an id when a layer's residual output (id = layer) or
the final norm (id = layers) is complete, so a test bench can compare state without polling.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.rom_map import rom_map

OPCODES = {"end": 0, "embed": 1, "rmsnorm": 2, "matvec": 3, "logits": 4, "rope": 5,
           "attend": 6, "add": 7, "silumul": 8, "mark": 9}


@dataclass(frozen=True)
class Instr:
    op: str
    dst: int = 0          # data memory address (plus pos * kv_dim when dst_pos)
    src: int = 0
    src2: int = 0
    src3: int = 0
    n: int = 0            # element count / matrix rows / heads
    cols: int = 0
    wbase: int = 0        # weight ROM word
    sbase: int = 0        # parameter ROM: scales / gains
    ebase: int = 0        # parameter ROM: exponents / gain fraction word
    dst_pos: int = 0
    mark: int = 0

    def fields(self) -> dict[str, int]:
        return {f.name: (OPCODES[self.op] if f.name == "op" else getattr(self, f.name))
                for f in fields(self)}


def program(arch: EngineArch) -> list[Instr]:
    c, mm, rm = arch.config, arch.memory_map, rom_map(arch)
    d, f = c.hidden_size, c.intermediate_size

    def mv(name: str, dst: int, src: int, dst_pos: int = 0, op: str = "matvec") -> Instr:
        p = rm.matrices[name]
        return Instr(op, dst=dst, src=src, n=p.rows, cols=p.cols, wbase=p.wbase,
                     sbase=p.sbase, ebase=p.ebase, dst_pos=dst_pos)

    def norm(name: str, dst: int, src: int) -> Instr:
        p = rm.norms[name]
        return Instr("rmsnorm", dst=dst, src=src, n=d, sbase=p.gbase, ebase=p.frac)

    e = rm.matrices["embed"]
    prog = [Instr("embed", dst=mm["x"], cols=e.cols, wbase=e.wbase, sbase=e.sbase,
                  ebase=e.ebase, n=d)]
    for i in range(c.num_hidden_layers):
        kc, vc = mm[f"k{i}"], mm[f"v{i}"]
        prog += [
            norm(f"{i}.input", mm["h"], mm["x"]),
            mv(f"{i}.q_proj", mm["q"], mm["h"]),
            Instr("rope", dst=mm["q"], n=c.num_attention_heads),
            mv(f"{i}.k_proj", kc, mm["h"], dst_pos=1),
            Instr("rope", dst=kc, n=c.num_key_value_heads, dst_pos=1),
            mv(f"{i}.v_proj", vc, mm["h"], dst_pos=1),
            Instr("attend", dst=mm["att"], src=mm["q"], src2=kc, src3=vc,
                  n=c.num_attention_heads),
            mv(f"{i}.o_proj", mm["t"], mm["att"]),
            Instr("add", dst=mm["x"], src=mm["x"], src2=mm["t"], n=d),
            norm(f"{i}.post", mm["h"], mm["x"]),
            mv(f"{i}.gate_proj", mm["gate"], mm["h"]),
            mv(f"{i}.up_proj", mm["up"], mm["h"]),
            Instr("silumul", dst=mm["hid"], src=mm["gate"], src2=mm["up"], n=f),
            mv(f"{i}.down_proj", mm["t"], mm["hid"]),
            Instr("add", dst=mm["x"], src=mm["x"], src2=mm["t"], n=d),
            Instr("mark", mark=i),
        ]
    head = rm.matrices.get("lm_head", e)
    prog += [norm("final", mm["h"], mm["x"]), Instr("mark", mark=c.num_hidden_layers),
             Instr("logits", src=mm["h"], n=head.rows, cols=head.cols, wbase=head.wbase,
                   sbase=head.sbase, ebase=head.ebase),
             Instr("end")]
    return prog
