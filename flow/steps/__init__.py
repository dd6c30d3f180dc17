"""taalas-flow's LibreLane Steps. Importing this package registers them with Step.factory."""

from taalas_flow.steps.chip_steps import ChipTop, DataMemory, RomPorts
from taalas_flow.steps.engine_steps import EngineRTL, EngineSynthesis
from taalas_flow.steps.logic_steps import LogicLayout
from taalas_flow.steps.manifest import Manifest
from taalas_flow.steps.model_steps import GoldenCheck, LoadModel, Quantise
from taalas_flow.steps.rom_steps import RomArray
from taalas_flow.steps.sta import OpenSTA

__all__ = ["ChipTop", "DataMemory", "EngineRTL", "EngineSynthesis", "GoldenCheck", "LoadModel",
           "LogicLayout", "Manifest", "OpenSTA", "Quantise", "RomArray", "RomPorts"]
