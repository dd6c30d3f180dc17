"""The chip top on small blocks: a stand-in core (flops and buffers with the engine core's
port names), the data memory of a small plan folded into two stripes, and the tiny-llama
parameter-ROM port, placed and wired: DRC clean on the wiring layers, LVS clean against the
netlist built from the same description, LVS failing when the core is moved off its wiring,
and the chip's pins exactly the core ports no block meets."""

from __future__ import annotations

from pathlib import Path

import gdstk
import pytest

from taalas_flow.chip.rom_port import lay_out_rom_port
from taalas_flow.chip.top import build_chip
from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.pdk import load_pdk
from taalas_flow.pnr.block import build_block
from taalas_flow.pnr.buffering import BufferPolicy
from taalas_flow.pnr.netlist import read_gate_netlist
from taalas_flow.regfile.column import build_column
from taalas_flow.regfile.drivers import build_repeaters, repeater_module
from taalas_flow.regfile.folded import build_folded
from taalas_flow.regfile.interface import build_interface, interface_module
from taalas_flow.regfile.layout import build_bank
from taalas_flow.regfile.logic import address_bits, build_logic
from taalas_flow.regfile.memory import MemoryPlan
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

PLAN = MemoryPlan(300, width=16, read_ports=2, bank_words=16, column_banks=4)
BLACKBOX = ["B_sky130_fd_sc_hd__*", "prom[0-9]*"]


def stand_in_core(path: Path, aw: int, paw: int, pw: int) -> Path:
    """Every core output the blocks read is a flop on `din`; every core input a block drives
    is buffered to an observation output (a chip pin)."""
    outs = ["we", "prom_en"] + [f"{b}[{i}]" for b in ("wa", "ra_addr", "rb_addr")
                                for i in range(aw)]
    outs += [f"wd[{i}]" for i in range(16)] + [f"prom_addr[{i}]" for i in range(paw)]
    ins = [f"{b}[{i}]" for b in ("ra_data", "rb_data") for i in range(16)]
    ins += [f"prom_dout[{i}]" for i in range(pw)]
    body = [f"  sky130_fd_sc_hd__dfxtp_1 f{k} (.CLK(clk), .D(din), .Q({o}));"
            for k, o in enumerate(outs)]
    body += [f"  sky130_fd_sc_hd__buf_1 b{k} (.A({i}), .X(obs[{k}]));"
             for k, i in enumerate(ins)]
    decl = ["  input clk, din;", "  output we, prom_en;",
            f"  output [{aw - 1}:0] wa, ra_addr, rb_addr;", "  output [15:0] wd;",
            f"  output [{paw - 1}:0] prom_addr;", "  input [15:0] ra_data, rb_data;",
            f"  input [{pw - 1}:0] prom_dout;", f"  output [{len(ins) - 1}:0] obs;"]
    path.write_text("module core (clk, din, we, prom_en, wa, ra_addr, rb_addr, wd, prom_addr, "
                    "ra_data, rb_data, prom_dout, obs);\n" + "\n".join(decl + body)
                    + "\nendmodule\n")
    return path


@pytest.fixture(scope="module")
def chip(pdk_root: Path, tmp_path_factory, tiny_q4):
    pdk = load_pdk("sky130", pdk_root)
    qm, arch = tiny_q4
    d = tmp_path_factory.mktemp("chip")
    port, _logic = lay_out_rom_port(pdk, arch, qm, "prom", d / "prom", 20.0)
    bank, _n, _s = build_bank(pdk, PLAN.bank, d / "bank", PLAN.bank.module("t_rf"))
    col = build_column(pdk, bank, PLAN.column_banks, "col")
    iface, _in, _is = build_interface(pdk, PLAN, d / "iface", interface_module(PLAN), col.width)
    mlogic, _ln, _ls = build_logic(pdk, PLAN, d / "mlogic", "t", 20.0)
    rep, _rn, _rs = build_repeaters(pdk, PLAN, d / "rep", repeater_module(PLAN, "t_rf"),
                                    iface.height)
    dmem = build_folded(pdk, PLAN, col, iface, mlogic, "dmem", 2, repeaters=rep)
    paw = sum(1 for p in port.ports if p.startswith("ADDR_"))
    pw = sum(1 for p in port.ports if p.startswith("DOUT_"))
    src = stand_in_core(d / "core.v", address_bits(PLAN), paw, pw)
    core = build_block(pdk, read_gate_netlist(src, "core", "sky130_fd_sc_hd__"))
    top = build_chip(pdk, core, dmem, {"prom": port}, "chip")
    top.lib.write_gds(str(d / "chip.gds"), timestamp=GDS_TIMESTAMP)
    (d / "chip.cdl").write_text(top.cdl)
    return pdk, d, top, pw


def test_chip_pins_are_the_core_ports_no_block_meets(chip) -> None:
    _pdk, _d, top, pw = chip
    assert set(top.ports) == {"clk", "din"} | {f"obs_{k}_" for k in range(32 + pw)}
    assert all(x == 0.0 for x, _y in top.ports.values())


def test_chip_is_drc_and_lvs_clean(chip) -> None:
    pdk, d, _top, _pw = chip
    r = run_drc(pdk, d / "chip.gds", d / "chip.lyrdb", feol=False)
    assert r.violations == 0, r.by_rule
    r = run_lvs(pdk, d / "chip.gds", d / "chip.cdl", d / "lvs", blackbox=BLACKBOX)
    assert r.clean, r.log


def test_chip_lvs_sees_the_core_off_its_wiring(chip) -> None:
    pdk, d, _top, _pw = chip
    lib = gdstk.read_gds(str(d / "chip.gds"))
    top = next(c for c in lib.cells if c.name == "chip")
    for ref in top.references:
        if ref.cell_name == "core":
            ref.origin = (ref.origin[0], ref.origin[1] + 1.0)
    lib.write_gds(str(d / "moved.gds"), timestamp=GDS_TIMESTAMP)
    assert not run_lvs(pdk, d / "moved.gds", d / "chip.cdl", d / "lvs_moved",
                       blackbox=BLACKBOX).clean


def test_chip_personalisation_is_the_via_layer_only(chip, tiny_q4) -> None:
    """The weights read back from the chip GDS are the model's; the chip with the
    complement in its banks differs from it on via3 alone (what the run and a re-spin do to
    the chip); and a chip whose ROM port moved is caught."""
    from taalas_flow.engine.rom_macros import macro_images, readback_images
    from taalas_flow.respin import repersonalise
    from taalas_flow.signoff.xor import xor_gds

    pdk, d, _top, _pw = chip
    qm, arch = tiny_q4
    img = macro_images(arch, qm)["prom"]
    lib = gdstk.read_gds(str(d / "chip.gds"))
    assert (readback_images(pdk, arch, lib, names=("prom",))["prom"] == img).all()
    xor = repersonalise(pdk, arch, lib, d / "chip.gds", {"prom": 1 - img}, d / "chip_b.gds",
                        names=("prom",))
    assert (readback_images(pdk, arch, d / "chip_b.gds", names=("prom",))["prom"]
            == 1 - img).all()
    assert xor.only_allowed and xor.allowed_diff_count > 0, xor.differing
    lib = gdstk.read_gds(str(d / "chip.gds"))
    top = next(c for c in lib.cells if c.name == "chip")
    port = next(r for r in top.references if r.cell_name == "taalas_engine_prom")
    port.origin = (port.origin[0] + 1.0, port.origin[1])
    lib.write_gds(str(d / "chip_moved.gds"), timestamp=GDS_TIMESTAMP)
    assert not xor_gds(d / "chip.gds", d / "chip_moved.gds",
                       pdk.personalisation_gds_layers).only_allowed


def test_chip_wires_and_the_cells_that_drive_them(chip) -> None:
    """Every net between blocks has its drawn wire priced (longer wire, more capacitance),
    and the CDL walk finds the cell in the other block driving each core input: a port
    buffer, after the memory's read registers or the ROM port's output logic; a net only
    the core drives (an address) has no driver outside it."""
    from taalas_flow.chip.wires import CdlDrivers, chip_wires

    pdk, _d, top, pw = chip
    wires = chip_wires(pdk, top)
    between = [f"ra_data_{i}_" for i in range(16)] + [f"prom_dout_{i}_" for i in range(pw)] \
        + ["ra_addr_0_", "we"]
    assert set(between) <= set(wires)
    by_len = sorted(wires.values(), key=lambda w: w.um)
    assert by_len[0].pf < by_len[-1].pf and by_len[0].ohm < by_len[-1].ohm
    assert all(w.elmore_ns(0.0175) > 0 for w in wires.values())
    walk = CdlDrivers(pdk, top.cdl)
    port_cell = BufferPolicy.of(pdk).port_cell
    found = walk.drivers_outside("chip", "core", between)
    paths = walk.driver_paths_outside("chip", "core", between, frozenset({port_cell}))
    for i in range(16):
        assert found[f"ra_data_{i}_"] == (port_cell, "X")
        (cell, pin), last = paths[f"ra_data_{i}_"]
        assert cell.startswith("dfxtp") and pin == "Q" and last == (port_cell, "X"), i
    for i in range(pw):
        assert found[f"prom_dout_{i}_"] == (port_cell, "X")
        (cell, pin), _last = paths[f"prom_dout_{i}_"]
        assert walk.lib.cell(cell).directions[pin] == "OUTPUT" and cell != port_cell
    assert "ra_addr_0_" not in found and "we" not in found


def test_what_a_core_output_meets_in_the_other_blocks(chip) -> None:
    """A word-address bit reaches every bank's decoder through the memory's bus, channels
    and columns, so the core drives far more than one gate and far more wire than the chip's
    own on it; the write enable meets only the memory's logic; an observation output (a chip
    pin) meets nothing."""
    from taalas_flow.chip.wires import CdlDrivers, chip_wires
    from taalas_flow.rom.liberty import PdkLiberty

    pdk, _d, top, _pw = chip
    lib = PdkLiberty(pdk, "tt")
    walk = CdlDrivers(pdk, top.cdl, top.net_pf)
    met = walk.beyond("chip", "core", ["ra_addr_0_", "we", "prom_addr_0_", "obs_0_"], lib)
    smallest = min(lib.capacitance("inv_1", "A"), lib.capacitance("nand2_1", "A"))
    assert met["obs_0_"] == (0.0, 0.0)
    pins, wire = met["ra_addr_0_"]
    assert pins >= PLAN.banks * smallest
    assert 0.0 < met["we"][0] < pins / 4
    assert met["prom_addr_0_"][0] > 0.0 and met["prom_addr_0_"][1] > 0.0
    # the memory's wiring of the address bit: at least its banks' own share of it (each
    # bank's wiring of its first read address), and more than the chip's wire to it
    per_bank = top.net_pf[PLAN.bank.module("t_rf")]["RA_A_0_"]
    assert per_bank > 0.0
    assert wire > PLAN.banks * per_bank
    assert wire > chip_wires(pdk, top)["ra_addr_0_"].pf


def test_chip_clock_reaches_each_block_on_its_drawn_branch(chip) -> None:
    """The chip's clock net has one branch to each block, priced like the rest of its wire
    (the branches and the track hold all of it), and its edge reaches the blocks in the
    order of their distance along the track from the chip's pin at the left edge."""
    from taalas_flow.chip.clock import arrivals
    from taalas_flow.chip.wires import CdlDrivers
    from taalas_flow.pnr.parasitics import tech_rc
    from taalas_flow.rom.liberty import PdkLiberty

    pdk, _d, top, _pw = chip
    br = top.branches["clk"]
    assert sorted(b.to for b in br) == sorted(["core", "dmem", "taalas_engine_prom"])
    x0, x1, w = top.tracks["clk"]
    metals = tech_rc(pdk)[0]
    drawn = sum(top.wires["clk"].values())
    assert drawn == pytest.approx((x1 - x0) + sum(sum(b.wires.values()) for b in br))
    walk = CdlDrivers(pdk, top.cdl, top.net_pf)
    lib = PdkLiberty(pdk, "tt")
    sink = {c: sum(walk.meets(c, p, lib)) for c, p in walk.on("chip", "clk")}
    assert set(sink) == {b.to for b in br} and all(v > 0 for v in sink.values())
    got = arrivals(pdk, top.tracks["clk"], br, sink)
    order = [b.to for b in sorted(br, key=lambda b: b.x)]
    assert [got[t] for t in order] == sorted(got.values()) and got[order[0]] > 0
    # the whole net's resistance into all of its capacitance bounds every arrival
    r, c = metals["met3"].r(w, x1 - x0), metals["met3"].c(w, x1 - x0)
    for b in br:
        r += sum(metals[lay].r(bw, um) for (lay, bw), um in b.wires.items())
        c += sum(metals[lay].c(bw, um) for (lay, bw), um in b.wires.items())
    assert max(got.values()) < r * (c + sum(sink.values())) * 1e-3
