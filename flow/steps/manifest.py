"""First Step of every taalas-flow run: hash the inputs and record tool versions."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from librelane.config import Variable
from librelane.state import State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate

from taalas_flow.manifest import build_manifest, write_manifest
from taalas_flow.steps.common import MODEL_VARS, PDK_CONFIG_VARS, step_pdk


@Step.factory.register()
class Manifest(Step):
    """Write manifest.json: SHA-256 of model, PDK, PDK config and templates; tool versions."""

    id = "Taalas.Manifest"
    name = "Input manifest"
    inputs = []
    outputs = []
    config_vars = PDK_CONFIG_VARS + MODEL_VARS + [
        Variable(
            "TAALAS_EXTRA_INPUTS",
            Optional[list],
            "Further input files to hash (e.g. RTL given to `taalas-flow synth`).",
            default=None,
        ),
    ]

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        pdk = step_pdk(self.config)
        model_dir = self.config["TAALAS_MODEL_DIR"]
        model_files = (
            sorted(p for p in Path(model_dir).iterdir() if p.is_file()) if model_dir else []
        )
        extra = [Path(p) for p in (self.config["TAALAS_EXTRA_INPUTS"] or [])]
        settings = {
            k: self.config[k]
            for k in ("DESIGN_NAME", "TAALAS_PDK_CONFIG")
        }
        manifest = build_manifest(pdk, model_files, extra, settings)
        write_manifest(Path(self.step_dir) / "manifest.json", manifest)
        n = sum(len(v) for v in manifest["inputs_sha256"].values())
        return {}, {"taalas__manifest__input_count": n}
