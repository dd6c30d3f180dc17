"""LibreLane plugin entry: `librelane` auto-imports modules named librelane_plugin_*, which makes
taalas-flow's Steps and Flows available to `librelane -f <Flow>` exactly as `taalas-flow` runs them.

It also points LibreLane's `yosys` at our pyosys shim, so `librelane -f TaalasSynth` works on a
machine whose only Yosys is the PyPI wheel.
"""

import taalas_flow.flows  # noqa: F401  (registers Flows)
import taalas_flow.steps  # noqa: F401  (registers Steps)
from taalas_flow.librelane_run import put_yosys_shim_on_path

put_yosys_shim_on_path()
