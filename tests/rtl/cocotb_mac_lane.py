"""cocotb test bench (run by test_mac_lane.py): feeds tiny-llama's q_proj rows through the MAC
lane and compares the accumulator and the requantised output with the golden model."""

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

from taalas_flow.model.golden import linear, linear_q8, quantise_model
from taalas_flow.model.loader import load_checkpoint


@cocotb.test()
async def rows_match_golden(dut):
    bits = int(os.environ["TAALAS_W_BITS"])
    qm = quantise_model(load_checkpoint("tiny-llama"), bits, 32)
    mat = qm.layers[0]["q_proj"]
    rng = np.random.default_rng(0)
    x = rng.integers(-3000, 3000, size=mat.shape[1])
    x[:4] = [32767, -32768, 32767, -32768]           # extremes exercise the widths
    want_acc = linear(mat, x)
    want_y = linear_q8(mat, x)
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.clear.value = 0
    dut.in_valid.value = 0
    await RisingEdge(dut.clk)
    dut.rst.value = 0
    rows = int(os.environ.get("TAALAS_ROWS", "16"))
    for r in range(rows):
        dut.clear.value = 1
        dut.row_exp.value = int(mat.exp[r])
        await RisingEdge(dut.clk)
        dut.clear.value = 0
        for i in range(mat.shape[1]):
            blk, pos = divmod(i, mat.block)
            dut.in_valid.value = 1
            dut.w.value = int(mat.q[r, i])
            dut.x.value = int(x[i])
            dut.block_last.value = int(pos == mat.block - 1)
            dut.scale.value = int(mat.scale[r, blk])
            await RisingEdge(dut.clk)
        dut.in_valid.value = 0
        await ReadOnly()
        assert dut.acc.value.to_signed() == int(want_acc[r]), f"row {r} acc"
        assert dut.y.value.to_signed() == int(want_y[r]), f"row {r} y"
        await RisingEdge(dut.clk)
