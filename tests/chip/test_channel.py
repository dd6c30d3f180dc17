"""Channel track assignment: nets that do not overlap share a track, nets that do never do,
and a left exit claims the channel from its left end."""

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
