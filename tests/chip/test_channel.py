"""Channel track assignment: nets that do not overlap share a track, nets that do never do,
and a left exit claims the channel from its left end."""

import pytest

from taalas_flow.chip.channel import Channel, ChannelNet
from taalas_flow.pdk import load_pdk


def test_channel_tracks_share_only_when_disjoint(pdk_root) -> None:
    pdk = load_pdk("sky130", pdk_root)
    nets = [ChannelNet("a", drops=[10.0, 20.0]), ChannelNet("b", drops=[30.0, 40.0]),
            ChannelNet("c", drops=[15.0, 35.0]), ChannelNet("d", drops=[50.0], left_exit=True),
            ChannelNet("e", drops=[60.0], column_x=5.0)]
    ch = Channel(pdk, 100.0)
    ch.assign(nets)
    assert ch.track["a"] == ch.track["b"]               # 10-20 and 30-40: one track
    overlapping = [("a", "c"), ("b", "c"), ("d", "a"), ("d", "e"), ("e", "c")]
    for p, q in overlapping:
        assert ch.track[p] != ch.track[q], (p, q)
    assert ch.extent["d"][0] == 0.0 and ch.extent["e"][0] < 5.0
    assert ch.top > 100.0 and ch.n_tracks == len(set(ch.track.values()))


def test_recorded_wire_is_the_metal_drawn(pdk_root) -> None:
    """One net through a track, a met2 drop, a met4 drop and a column to a pin: the metal
    recorded per layer (length x width) is the area drawn on that layer, and its cuts are
    the cuts drawn, so the chip's parasitic estimate prices exactly what is in the GDS."""
    import gdstk

    from taalas_flow.layout.draw import Drawer

    pdk = load_pdk("sky130", pdk_root)
    ch = Channel(pdk, 100.0)
    ch.assign([ChannelNet("n", drops=[40.0, 300.0], column_x=10.0)])
    cell = gdstk.Cell("t")
    d = Drawer(pdk, cell)
    ch.draw_tracks(d, left=0.0)
    ch.draw_drop(d, "n", 40.0, 150.0)
    ch.draw_drop(d, "n", 300.0, 180.0, layer="met4")
    ch.draw_column(d, "n", 10.0, 60.0, 80.0)
    area: dict[str, float] = {}
    count: dict[str, int] = {}
    for layer in ("met2", "met3", "met4", "via2", "via3"):
        num = pdk.layer(layer, "drawing")
        polys = [p for p in cell.polygons if (p.layer, p.datatype) == num]
        area[layer] = sum(p.area() for p in polys)
        count[layer] = len(polys)
    recorded: dict[str, float] = {}
    for (layer, w), length in ch.wires["n"].items():
        recorded[layer] = recorded.get(layer, 0.0) + w * length
    assert set(recorded) == {"met2", "met3", "met4"}
    for layer, a in recorded.items():
        assert a == pytest.approx(area[layer], rel=1e-3), layer
    assert ch.cuts["n"] == {"via2": count["via2"], "via3": count["via3"]} == \
        {"via2": 1, "via3": 3}
