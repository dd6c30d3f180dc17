"""Drawing primitives: sizes come from the PDK tables and land on the manufacturing grid."""

import gdstk
import pytest

from taalas_flow.layout.draw import Drawer, snap
from taalas_flow.pdk import load_pdk


@pytest.fixture(scope="module")
def pdk(pdk_root):
    return load_pdk("sky130", pdk_root)


def test_snap_to_grid() -> None:
    assert snap(0.1234) == 0.125
    assert snap(-0.0026) == -0.005
    assert snap(1.0) == 1.0


def test_pads_meet_enclosure_and_area_rules(pdk) -> None:
    d = Drawer(pdk, gdstk.Cell("t"))
    for metal in ("met1", "met2", "met3", "met4"):
        w, h = d.pad_size(metal, horizontal=True)
        assert w >= h >= float(pdk.data["routing"][metal]["width"])
        assert w * h >= float(pdk.data["routing"][metal]["min_area"])
        assert (h, w) == d.pad_size(metal, horizontal=False)


def test_stack_draws_one_cut_per_layer_pair_on_grid(pdk) -> None:
    cell = gdstk.Cell("t")
    Drawer(pdk, cell).stack(1.0013, 2.0021, "li1", "met3", pads=False)
    cuts = {name: pdk.layer(name) for name in ("mcon", "via", "via2")}
    for name, (layer, dt) in cuts.items():
        polys = [p for p in cell.polygons if (p.layer, p.datatype) == (layer, dt)]
        assert len(polys) == 1, name
        (x0, y0), (x1, y1) = polys[0].bounding_box()
        assert round(x1 - x0, 4) == pdk.data["vias"][name]["size"]
        assert abs((x0 + x1) / 2 - 1.0) < 1e-9 and abs((y0 + y1) / 2 - 2.0) < 1e-9
    met3 = pdk.layer("met3")
    assert not [p for p in cell.polygons if (p.layer, p.datatype) == met3]
