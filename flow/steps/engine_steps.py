"""Engine Step: render the base-die RTL for the model's architecture and the model's ROM views,
then prove the RTL equals the golden model by simulating a prompt with cocotb on Icarus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from librelane.config import Variable
from librelane.state import State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate, Yosys

from taalas_flow.steps.common import MODEL_VARS
from taalas_flow.steps.model_steps import QUANT_VARS, ROM_IMAGE

LANES_VAR = Variable("TAALAS_ENGINE_LANES", int,
                     "MAC lanes (output rows computed in parallel).", default=8)
ENGINE_VARS = [
    LANES_VAR,
    Variable("TAALAS_VERIFY_PROMPT", str,
             "Prompt the RTL simulation feeds; every layer's vectors and every token are "
             "compared with the golden model.", default="the cat "),
    Variable("TAALAS_VERIFY_NEW_TOKENS", int, "Tokens the RTL generates after the prompt.",
             default=3),
]


@Step.factory.register()
class EngineRTL(Step):
    """Base-die RTL (engine core, data memory, top) + the model's ROM views; cocotb proof."""

    id = "Taalas.EngineRTL"
    name = "Engine RTL + cocotb"
    inputs = [ROM_IMAGE]
    outputs = []
    config_vars = MODEL_VARS + QUANT_VARS + ENGINE_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from taalas_flow.engine.simulate import run_engine_sim
        from taalas_flow.errors import ToolError
        from taalas_flow.toolchain import require_tool

        require_tool("iverilog", "engine RTL simulation")
        d = Path(self.step_dir)
        c = self.config
        res = run_engine_sim(d, model=str(c["TAALAS_MODEL_DIR"]), bits=c["TAALAS_WEIGHT_BITS"],
                             block=c["TAALAS_BLOCK_SIZE"], lanes=c["TAALAS_ENGINE_LANES"],
                             prompt=c["TAALAS_VERIFY_PROMPT"],
                             n_new=c["TAALAS_VERIFY_NEW_TOKENS"],
                             rom_image=Path(str(state_in[ROM_IMAGE])))
        if not res["passed"]:
            first = next((ln for ln in res["log_tail"].splitlines() if "Error" in ln),
                         "see the log")
            raise ToolError(f"engine RTL differs from the golden model: {first}",
                            f"simulation log: {res['log']}")
        data = json.loads(Path(res["result"]).read_text())
        cycles = data["cycles_per_token"]
        summary = {**data, "sim_s": round(res["sim_s"], 2), "build_s": round(res["build_s"], 2),
                   "rtl": [str(Path(p).relative_to(d)) for p in res["rtl"]]}
        (d / "verify.json").write_text(json.dumps(summary, indent=2) + "\n")
        return {}, {
            "taalas__engine__verified_tokens": len(cycles),
            "taalas__engine__values_checked": data["values_checked"],
            "taalas__engine__cycles_per_token_first": cycles[0],
            "taalas__engine__cycles_per_token_last": cycles[-1],
            "taalas__engine__sim_seconds": round(res["sim_s"], 2),
        }


ENGINE_TOP = "taalas_engine_core"


@Step.factory.register()
class EngineSynthesis(Yosys.Synthesis):
    """LibreLane's stock Yosys synthesis of the engine core (MAC lanes, units, sequencer,
    microcode; the memories are macros), on RTL this step renders from the architecture: the
    base die depends on the model's shape, never on its weights."""

    id = "Taalas.EngineSynthesis"
    name = "Engine synthesis"
    config_vars = [
        v if v.name != "VERILOG_FILES" else Variable(
            "VERILOG_FILES", Optional[list[str]],
            "Unused: this step synthesises the engine RTL it renders itself.", default=None)
        for v in Yosys.Synthesis.config_vars
    ] + MODEL_VARS + QUANT_VARS + ENGINE_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from taalas_flow.engine.arch import EngineArch
        from taalas_flow.engine.render import render_engine
        from taalas_flow.model.config import load_config

        c = self.config
        cfg = load_config(Path(str(c["TAALAS_MODEL_DIR"])) / "config.json")
        arch = EngineArch(cfg, c["TAALAS_WEIGHT_BITS"], c["TAALAS_BLOCK_SIZE"],
                          c["TAALAS_ENGINE_LANES"])
        files = render_engine(arch, Path(self.step_dir) / "rtl", "taalas_engine")
        core = [str(f) for f in files if f.name in ("taalas_engine_mac_lane.v",
                                                   f"{ENGINE_TOP}.v")]
        self.config = c.copy(VERILOG_FILES=core, DESIGN_NAME=ENGINE_TOP)
        # The synthesis script reads the step's config.json, written before run(): rewrite it.
        raw = json.loads(Path(self.config_path).read_text())
        raw.update(VERILOG_FILES=core, DESIGN_NAME=ENGINE_TOP)
        Path(self.config_path).write_text(json.dumps(raw, indent=4))
        return super().run(state_in, **kwargs)
