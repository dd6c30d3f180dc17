"""Layout pictures: the picture itself is inspected (highlight pixels), not just the file."""

from pathlib import Path

import klayout.lay as klay
import numpy as np

from taalas_flow.pdk import load_pdk
from taalas_flow.render import render_png
from taalas_flow.rom.layout import write_rom_array_gds


def _highlight_pixels(png: Path, color: int) -> int:
    pb = klay.PixelBuffer.read_png(str(png))
    want = 0xFF000000 | color
    return sum(1 for y in range(0, pb.height(), 2) for x in range(0, pb.width(), 2)
               if pb.pixel(x, y) == want)


def test_personalisation_is_highlighted(pdk_root: Path, tmp_path: Path) -> None:
    pdk = load_pdk("sky130", pdk_root)
    color = int(pdk.data["view"]["highlight_color"])
    empty = write_rom_array_gds(pdk, np.zeros((4, 4)), tmp_path / "z.gds")
    checker = write_rom_array_gds(pdk, np.indices((4, 4)).sum(0) % 2, tmp_path / "c.gds")
    full = write_rom_array_gds(pdk, np.ones((4, 4)), tmp_path / "o.gds")
    counts = [_highlight_pixels(render_png(pdk, g, tmp_path / f"{g.stem}.png", size=(400, 400)),
                                color) for g in (empty, checker, full)]
    assert counts[0] == 0
    assert 0 < counts[1] < counts[2]
    assert 0.35 < counts[1] / counts[2] < 0.65   # half the bits programmed


def test_view_cli_png_and_errors(cli, tmp_path: Path, pdk_root: Path) -> None:
    pdk = load_pdk("sky130", pdk_root)
    gds = write_rom_array_gds(pdk, np.ones((4, 4)), tmp_path / "o.gds")
    r = cli("view", str(gds), "--png", str(tmp_path / "o.png"), "--zoom", "0,0,3.68,2.84")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o.png").stat().st_size > 1000
    r = cli("view", str(tmp_path / "no_run"), "--png", str(tmp_path / "x.png"))
    assert r.returncode == 2 and "no GDS in" in r.stderr
    r = cli("view", str(gds), "--png", str(tmp_path / "x.png"), "--zoom", "1,2")
    assert r.returncode == 2 and "--zoom must be x0,y0,x1,y1" in r.stderr
