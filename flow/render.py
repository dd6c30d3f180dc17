"""Layout pictures with KLayout: the PDK's layer properties, plus a highlight on the
personalisation layer(s) so a reviewer sees at a glance which shapes carry the weights."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import klayout.db as kdb
import klayout.lay as klay

from taalas_flow.errors import InputError, ToolError
from taalas_flow.pdk import PdkConfig


def _view(pdk: PdkConfig, gds: Path, highlight: bool) -> klay.LayoutView:
    view = klay.LayoutView()
    view.load_layout(str(gds), True)
    view.load_layer_props(str(pdk.path("layer_properties")))
    view.max_hier()
    if highlight:
        wanted = set(pdk.personalisation_gds_layers)
        color = int(pdk.data["view"]["highlight_color"])
        it = view.begin_layers()
        while not it.at_end():
            lp = it.current()
            if (lp.source_layer, lp.source_datatype) in wanted:
                lp.fill_color = lp.frame_color = color
                lp.dither_pattern = 0      # solid
                lp.width = 2
                view.set_layer_properties(it, lp)
            it.next()
    return view


def render_png(pdk: PdkConfig, gds: Path, png: Path, *, box: tuple[float, ...] | None = None,
               size: tuple[int, int] = (1000, 1000), highlight: bool = True) -> Path:
    if not gds.is_file():
        raise InputError(f"GDS not found: {gds}")
    view = _view(pdk, gds, highlight)
    if box:
        view.zoom_box(kdb.DBox(*box))
    else:
        view.zoom_fit()
    view.save_image(str(png), *size)
    return png


def open_in_klayout(pdk: PdkConfig, gds: Path) -> None:
    exe = shutil.which("klayout")
    if exe is None:
        raise ToolError("`klayout` is not on PATH", "apt-get install klayout")
    subprocess.Popen([exe, "-l", str(pdk.path("layer_properties")), str(gds)])


def find_run_gds(run: Path) -> Path:
    """The chip when the run got that far, else the ROM macros."""
    gds = []
    if run.is_dir():
        gds = (sorted((run / "final" / "taalas_chip_gds").glob("*.gds"))
               or sorted((run / "final" / "gds").glob("*.gds")))
    if not gds:
        raise InputError(f"no GDS in {run}/final/gds", "give a run directory of `taalas-flow run`")
    return gds[0]
