"""A ROM port (bank macros + port logic block + channel + power) as one layout: DRC clean on
the wiring layers, LVS clean against the netlist built from the same description (banks and
the logic's cells compared as black boxes: each has its own LVS), LVS failing on a wrong
wire, and byte-identical when built again."""

from __future__ import annotations

from pathlib import Path

import pytest

from taalas_flow.chip.rom_port import lay_out_rom_port
from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.pdk import load_pdk
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

BLACKBOX = ["B_sky130_fd_sc_hd__*", "prom[0-9]*"]


@pytest.fixture(scope="module")
def port(pdk_root: Path, tmp_path_factory, tiny_q4):
    pdk = load_pdk("sky130", pdk_root)
    qm, arch = tiny_q4
    d = tmp_path_factory.mktemp("rom_port")
    p, logic = lay_out_rom_port(pdk, arch, qm, "prom", d / "work", 20.0)
    p.lib.write_gds(str(d / "port.gds"), timestamp=GDS_TIMESTAMP)
    (d / "port.cdl").write_text(p.cdl)
    return pdk, arch, qm, d, p, logic


def test_port_is_drc_clean(port) -> None:
    """Wiring layers on the whole port (FEOL of the banks is the ROM compiler's, checked on
    its tile in every run; the block's is checked here on the block alone)."""
    pdk, _, _, d, p, logic = port
    r = run_drc(pdk, d / "port.gds", d / "port.lyrdb", feol=False, beol=True)
    assert r.violations == 0, r.by_rule
    logic.lib.write_gds(str(d / "logic.gds"), timestamp=GDS_TIMESTAMP)
    r = run_drc(pdk, d / "logic.gds", d / "logic.lyrdb", feol=True, beol=True)
    assert r.violations == 0, r.by_rule
    assert p.metrics["channel_tracks"] > 0 and p.width > 0


def test_port_logic_drives_dout_through_port_buffers(port) -> None:
    """DOUT crosses the chip to the core: every bit leaves the logic block through the
    config's port buffer, and each buffer's input is the output mux's."""
    from taalas_flow.pnr.buffering import BufferPolicy

    pdk, _, _, _, _, logic = port
    cell = f"sky130_fd_sc_hd__{BufferPolicy.of(pdk).port_cell}"
    douts = [p for p in logic.ports if p.startswith("DOUT")]
    buffers = [ln for ln in logic.cdl.split("\n") if ln.startswith("X") and ln.endswith(cell)]
    assert douts and len(buffers) == len(douts)


def test_port_clocks_its_macros_through_its_clock_buffer(port) -> None:
    """The macros' PRE and CLK (0.65 pF of precharge enables a bank) hang on MCLK, which
    the logic drives from CLK through the config's clock buffer: the port's CLK pin meets
    that buffer's input and the logic's flops, no macro pin."""
    from taalas_flow.chip.rom_port import CLOCK_OUT
    from taalas_flow.chip.wires import CdlDrivers
    from taalas_flow.rom.liberty import PdkLiberty

    pdk, _, _, _, p, logic = port
    walk = CdlDrivers(pdk, p.cdl, p.net_pf)
    lib = PdkLiberty(pdk, "tt")
    on_clk = {c for c, _i in walk._instances(p.name)["CLK"]}
    assert on_clk == {logic.name}
    assert walk.driver(p.name, CLOCK_OUT) == (str(pdk.data["chip"]["rom_clock_cell"]), "X")
    macro_pf, _ = walk.meets(p.name, CLOCK_OUT, lib)
    clk_pf, _ = walk.meets(p.name, "CLK", lib)
    assert macro_pf > 1.0 and clk_pf < 0.2, (macro_pf, clk_pf)


def test_port_is_lvs_clean_and_lvs_sees_a_wrong_wire(port) -> None:
    pdk, _, _, d, p, _ = port
    r = run_lvs(pdk, d / "port.gds", d / "port.cdl", d / "lvs", blackbox=BLACKBOX)
    assert r.clean, r.log
    bad = d / "bad"
    bad.mkdir()
    lines = (d / "port.cdl").read_text().split("\n")
    for i, ln in enumerate(lines):
        if ln.startswith("Xprom1 "):
            t = ln.split()
            t[1], t[2] = t[2], t[1]                       # A0 and A1 of one bank swapped
            lines[i] = " ".join(t)
    (bad / "port.cdl").write_text("\n".join(lines))
    r = run_lvs(pdk, d / "port.gds", bad / "port.cdl", bad / "lvs", blackbox=BLACKBOX)
    assert not r.clean


def test_port_is_deterministic(port, tmp_path: Path) -> None:
    pdk, arch, qm, d, _, _ = port
    again, _ = lay_out_rom_port(pdk, arch, qm, "prom", tmp_path / "work", 20.0)
    again.lib.write_gds(str(tmp_path / "port.gds"), timestamp=GDS_TIMESTAMP)
    assert (tmp_path / "port.gds").read_bytes() == (d / "port.gds").read_bytes()


def test_port_times_its_own_wiring_on_the_paths_through_it(port) -> None:
    """The address reaches the bank farther from the port's pin later, and the worst
    address bit's time is the port's figure; a macro's output flop drives its q net's whole
    wire and the logic's pins on it, and its wire into the logic takes time."""
    from taalas_flow.chip.clock import arrivals
    from taalas_flow.chip.port_paths import port_paths
    from taalas_flow.chip.wires import CdlDrivers
    from taalas_flow.pnr.parasitics import net_rc
    from taalas_flow.rom.liberty import PdkLiberty

    pdk, _, _, _, p, logic = port
    lib = PdkLiberty(pdk, "tt")
    got = port_paths(pdk, p, logic.name, lib)
    walk = CdlDrivers(pdk, p.cdl, p.net_pf)
    banks = sorted({b.to for b in p.branches["ADDR_0"]}, key=lambda b: min(
        br.x for br in p.branches["ADDR_0"] if br.to == b))
    assert len(banks) == 2
    t = arrivals(pdk, p.tracks["ADDR_0"], p.branches["ADDR_0"],
                 {b: walk.meets(b, "A0", lib)[0] for b in banks})
    assert 0 < t[banks[0]] < t[banks[1]] <= got["addr_wire_ns"]
    loads = [net_rc(pdk, p, f"q_{j}")[1] + sum(walk.meets(logic.name, f"q_{j}_", lib))
             for j in range(len([n for n in p.branches if n.startswith("q_")]))]
    assert got["dout_load_pf"] == pytest.approx(max(loads))
    assert got["dout_load_pf"] > max(net_rc(pdk, p, f"q_{j}")[1] for j in range(len(loads)))
    assert 0 < got["dout_wire_ns"] < 1e-3 * max(
        net_rc(pdk, p, f"q_{j}")[0] for j in range(len(loads))) * got["dout_load_pf"]
