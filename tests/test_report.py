"""The run's HTML report, looked at in a real headless browser (Chromium): the screenshot must
show the layout pictures (personalisation highlight colour) and the signoff badges."""

import re
import shutil
import subprocess
from pathlib import Path

import klayout.lay as klay

from taalas_flow.pdk import load_pdk

PASS_GREEN = 0xFF1A7F37
FAIL_RED = 0xFFCF222E


def _count(png: Path, colours: set[int]) -> dict[int, int]:
    pb = klay.PixelBuffer.read_png(str(png))
    out = dict.fromkeys(colours, 0)
    for y in range(0, pb.height(), 2):
        for x in range(0, pb.width(), 2):
            c = pb.pixel(x, y)
            if c in out:
                out[c] += 1
    return out


def _screenshot(html: Path, png: Path, tmp: Path) -> None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "the browser test needs Chromium (apt-get install chromium; scripts/install.sh)"
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    f"--user-data-dir={tmp / 'chromium-profile'}", "--window-size=1200,4200",
                    f"--screenshot={png}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)


def test_report_renders_in_chromium(tiny_run, pdk_root: Path, tmp_path: Path) -> None:
    cwd, r = tiny_run
    assert r.returncode == 0, r.stderr[-2000:]
    index = cwd / "reports" / "tiny-llama-sky130-latest" / "index.html"
    assert index.is_file()
    link = cwd / "runs" / "tiny-llama-sky130-latest" / "report.html"
    assert link.resolve() == index.resolve()
    html = index.read_text()
    # self-contained pictures: four of the ROM macros, the chip, the data memory, one of each
    # ROM port, the memory bank
    assert html.count("src='data:image/png;base64,") == 9
    assert "<b>Chip</b>" in html and "<b>Data memory</b>" in html
    # nothing fetched from elsewhere (the SVG namespace URI is a name, not a fetch)
    assert "src='http" not in html and "<link" not in html and "<script" not in html
    shot = tmp_path / "shot.png"
    _screenshot(index, shot, tmp_path)
    highlight = 0xFF000000 | int(load_pdk("sky130", pdk_root).data["view"]["highlight_color"])
    n = _count(shot, {highlight, PASS_GREEN, FAIL_RED})
    assert n[highlight] > 500, "no programmed vias visible in the rendered page"
    assert n[PASS_GREEN] > 100, "no PASS badges visible"
    # the tiny run passes every check (test_cli_run checks the max-capacitance count against
    # the metrics), and a failed one would show red
    failed = re.findall(r"<tr><td>([^<]*)</td><td><span class=\"badge fail\">", html)
    assert failed == []
    assert (n[FAIL_RED] > 0) == bool(failed), "failed checks not shown as failed"


def test_report_of_a_broken_page_is_caught(tmp_path: Path) -> None:
    """The pixel checks can fail: a page with no pictures and a failing badge."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><span style='background:#cf222e;color:#fff;padding:8px'>"
                    "FAIL</span></body></html>")
    shot = tmp_path / "bad.png"
    _screenshot(page, shot, tmp_path)
    n = _count(shot, {PASS_GREEN, FAIL_RED})
    assert n[PASS_GREEN] == 0 and n[FAIL_RED] > 0
