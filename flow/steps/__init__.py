"""taalas-flow's LibreLane Steps. Importing this package registers them with Step.factory."""

from taalas_flow.steps.manifest import Manifest
from taalas_flow.steps.sta import OpenSTA

__all__ = ["Manifest", "OpenSTA"]
