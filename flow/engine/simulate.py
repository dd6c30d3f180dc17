"""Build and run the engine RTL under cocotb + Icarus against the golden model. Used by the test
suite (short prompt), the token benchmark (long prompt) and the run's verification stage."""

from __future__ import annotations

import time
from pathlib import Path

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.render import render_engine, render_roms
from taalas_flow.errors import ToolError
from taalas_flow.model.golden import quantise_model
from taalas_flow.model.loader import load_checkpoint
from taalas_flow.model.rom_image import load_rom_image

TOP = "taalas_engine"


def run_engine_sim(work: Path, model: str, bits: int, lanes: int, prompt: str,
                   n_new: int, block: int = 32, rom_image: Path | None = None) -> dict:
    """Render, compile and simulate; returns pass/fail, timings and the bench's JSON path.

    With `rom_image` (a run's quantised model) the ROMs and the golden model use it; otherwise
    the checkpoint `model` is quantised here."""
    from cocotb_tools.runner import get_results, get_runner

    if rom_image is not None:
        qm = load_rom_image(rom_image)
    else:
        qm = quantise_model(load_checkpoint(model), bits, block)
    arch = EngineArch(qm.config, qm.bits, qm.block, lanes)
    rtl = work / "rtl"
    sources = render_engine(arch, rtl, TOP) + render_roms(arch, qm, rtl, TOP)
    runner = get_runner("icarus")
    t0 = time.monotonic()
    try:
        runner.build(sources=sources, hdl_toplevel=TOP, build_dir=work / "build",
                     timescale=("1ns", "1ps"))
    except SystemExit as exc:   # cocotb's runner exits on a compile error
        raise ToolError(f"iverilog could not compile the engine RTL in {rtl}",
                        f"see {work / 'build'}") from exc
    t_build = time.monotonic() - t0
    result = work / "engine_result.json"
    env = {"TAALAS_MODEL": model, "TAALAS_ROM_IMAGE": str(rom_image or ""),
           "TAALAS_W_BITS": str(bits), "TAALAS_BLOCK": str(block), "TAALAS_LANES": str(lanes),
           "TAALAS_PROMPT": prompt, "TAALAS_NEW": str(n_new), "TAALAS_RESULT": str(result)}
    t0 = time.monotonic()
    log = work / "sim.log"
    passed = False
    try:
        xml = runner.test(hdl_toplevel=TOP, test_module="taalas_flow.engine.cocotb_engine",
                          build_dir=work / "build", test_dir=work, extra_env=env, log_file=log)
        total, failed = get_results(xml)
        passed = total == 1 and failed == 0 and result.is_file()
    except SystemExit:          # the runner exits non-zero when the bench fails
        passed = False
    t_sim = time.monotonic() - t0
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    errors = [ln.strip() for ln in lines if "Error" in ln and "raise" not in ln]
    tail = errors[-3:] + lines[-12:]
    return {"passed": passed, "result": str(result), "log": str(log),
            "build_s": t_build, "sim_s": t_sim, "log_tail": "\n".join(tail),
            "rtl": [str(s) for s in sources]}


__all__ = ["run_engine_sim"]
