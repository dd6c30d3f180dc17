"""The FEOL deck the flow runs: the PDK deck with its vpp rules guarded, not dropped (a layout
with vpp still gets them; the chip, which has none, skips vpp.5's union of four layers over
the whole die)."""

from __future__ import annotations

from pathlib import Path

import gdstk

from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.pdk import load_pdk
from taalas_flow.signoff.drc import run_drc, vpp_guarded


def test_vpp_section_is_wrapped_whole(pdk_root: Path) -> None:
    deck = load_pdk("sky130", pdk_root).path("drc_deck").read_text()
    guarded = vpp_guarded(deck)
    assert guarded is not None
    rules = [ln for ln in deck.splitlines() if ln.startswith("vpp.")]
    assert len(rules) >= 5
    lines = guarded.splitlines()
    start = lines.index("unless vpp.is_empty?")
    first = lines.index(rules[0])
    assert start == first - 1
    # every line of the deck kept, in order, and only the guard's two lines added
    assert [ln for ln in lines if ln not in ("unless vpp.is_empty?", "end")] == \
        [ln for ln in deck.splitlines() if ln != "end"]
    assert lines.count("end") == deck.splitlines().count("end") + 1
    assert vpp_guarded(deck.replace("#   vpp", "#   other")) is None


def test_feol_still_checks_a_layout_with_vpp(pdk_root: Path, tmp_path: Path) -> None:
    pdk = load_pdk("sky130", pdk_root)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    cell = lib.new_cell("vpp_narrow")
    cell.add(gdstk.rectangle((0, 0), (1.0, 4.0), layer=82, datatype=64))   # vpp.1: 1.43 um
    gds = tmp_path / "vpp.gds"
    lib.write_gds(str(gds), timestamp=GDS_TIMESTAMP)
    r = run_drc(pdk, gds, tmp_path / "vpp.lyrdb", feol=True, beol=False, offgrid=False)
    assert r.by_rule.get("vpp.1", 0) >= 1, r.by_rule
    assert (tmp_path / "vpp.drc").read_text() == vpp_guarded(pdk.path("drc_deck").read_text())
