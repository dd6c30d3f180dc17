"""cocotb bench (run by test_engine_rtl.py and bench/engine_tokens.py): the engine RTL runs
tiny-llama token by token; after every layer the bench compares everything that layer left in
the data memory (norm2, q, k, v, attention, gate, up, hidden, residual output) with the golden
model's trace, then the final norm and the emitted token. Prompt tokens are fed from the
environment; generated tokens are fed back as the chip emits them."""

import json
import os
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

from taalas_flow.engine.arch import EngineArch
from taalas_flow.model.golden import GoldenModel, quantise_model
from taalas_flow.model.loader import load_checkpoint
from taalas_flow.model.rom_image import load_rom_image
from taalas_flow.regfile.memory import MemoryPlan

PERIOD_NS = 10


def _read(dut, plan: MemoryPlan, base: int, n: int) -> np.ndarray:
    """Words of the data memory, from the banks' arrays (plan.locate says which)."""
    out = []
    for a in range(base, base + n):
        col, bank, word = plan.locate(a)
        v = getattr(dut.u_dmem, plan.instance(col, bank)).mem[word].value
        out.append(v.to_signed())
    return np.array(out, np.int64)


def _check(name: str, got: np.ndarray, want: np.ndarray) -> None:
    want = np.asarray(want, np.int64).ravel()
    if not np.array_equal(got, want):
        bad = np.flatnonzero(got != want)
        raise AssertionError(f"{name}: {bad.size} of {want.size} differ, first at {bad[0]}: "
                             f"rtl {got[bad[:4]].tolist()} golden {want[bad[:4]].tolist()}")


@cocotb.test()
async def tokens_match_golden(dut):
    model = os.environ.get("TAALAS_MODEL", "tiny-llama")
    bits, lanes = int(os.environ["TAALAS_W_BITS"]), int(os.environ["TAALAS_LANES"])
    prompt = list(os.environ["TAALAS_PROMPT"].encode())
    n_new = int(os.environ["TAALAS_NEW"])
    rom_image = os.environ.get("TAALAS_ROM_IMAGE")
    qm = (load_rom_image(Path(rom_image)) if rom_image
          else quantise_model(load_checkpoint(model), bits, int(os.environ["TAALAS_BLOCK"])))
    arch = EngineArch(qm.config, qm.bits, qm.block, lanes)
    mm, c, plan = arch.memory_map, qm.config, arch.memory_plan
    golden = GoldenModel(qm)

    cocotb.start_soon(Clock(dut.clk, PERIOD_NS, unit="ns").start())
    dut.rst.value = 1
    dut.clear.value = 0
    dut.tok_in_valid.value = 0
    dut.tok_out_ready.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)

    cycles, emitted, feed = [], [], list(prompt)
    checked = 0
    while feed:
        token = feed.pop(0)
        trace: dict = {}
        pos = golden.pos
        want_tok = int(np.argmax(golden.step(token, trace)))
        while not dut.tok_in_ready.value:
            await RisingEdge(dut.clk)
        dut.tok_in.value = token
        dut.tok_in_valid.value = 1
        await RisingEdge(dut.clk)
        t0 = get_sim_time("ns")
        dut.tok_in_valid.value = 0
        for layer in range(c.num_hidden_layers + 1):
            await RisingEdge(dut.mark_valid)
            await ReadOnly()
            assert int(dut.mark_id.value) == layer, "marks out of order"
            if layer == c.num_hidden_layers:
                _check(f"pos {pos} final_norm", _read(dut, plan, mm["h"], c.hidden_size),
                       trace["final_norm"])
                continue
            tr = trace[f"layer{layer}"]
            kv = mm[f"k{layer}"] + pos * c.kv_dim
            vv = mm[f"v{layer}"] + pos * c.kv_dim
            for name, base, n in (("norm2", mm["h"], c.hidden_size), ("q", mm["q"], tr["q"].size),
                                  ("k", kv, c.kv_dim), ("v", vv, c.kv_dim),
                                  ("att", mm["att"], tr["att"].size),
                                  ("gate", mm["gate"], c.intermediate_size),
                                  ("up", mm["up"], c.intermediate_size),
                                  ("hidden", mm["hid"], c.intermediate_size),
                                  ("out", mm["x"], c.hidden_size)):
                _check(f"pos {pos} layer {layer} {name}", _read(dut, plan, base, n), tr[name])
                checked += n
        await RisingEdge(dut.tok_out_valid)
        await ReadOnly()
        cycles.append(round((get_sim_time("ns") - t0) / PERIOD_NS))
        got_tok = int(dut.tok_out.value)
        assert got_tok == want_tok, f"pos {pos}: token {got_tok}, golden {want_tok}"
        if not feed and len(emitted) < n_new:
            emitted.append(got_tok)
            if len(emitted) < n_new:
                feed.append(got_tok)
    dut._log.info("generated %r, cycles/token %s", bytes(emitted).decode(errors="replace"), cycles)
    out = os.environ.get("TAALAS_RESULT")
    if out:
        with open(out, "w") as f:
            json.dump({"prompt": bytes(prompt).decode(), "generated": emitted,
                       "cycles_per_token": cycles, "values_checked": checked}, f)
