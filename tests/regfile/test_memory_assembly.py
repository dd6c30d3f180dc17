"""The data memory assembled: columns side by side, each column's interface under it, the
global logic and the stripe's input drivers at the left end, one channel. The interface's
cells must do what the memory RTL says they do; the whole block is DRC clean on its wiring
layers and LVS equal to the netlist built from the plan, that netlist simulates like the
memory RTL, and both LVS and that simulation fail when one interface is given another
column's select lines, a driver's outputs are crossed or a stripe's read chain is cut."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from taalas_flow.pdk import load_pdk
from taalas_flow.pnr.block import build_block
from taalas_flow.pnr.netlist import read_gate_netlist
from taalas_flow.regfile.array import build_array
from taalas_flow.regfile.bank import render_bank_model
from taalas_flow.regfile.column import build_column
from taalas_flow.regfile.drivers import (
    CLOCK,
    DRIVEN,
    DriverLoad,
    build_drivers,
    build_repeaters,
    driver_delays,
    driver_groups,
    driver_module,
    max_cap_violations,
    repeater_module,
    row_cost,
)
from taalas_flow.regfile.equivalence import simulate_memory
from taalas_flow.regfile.folded import build_folded, default_stripes, stripe_columns
from taalas_flow.regfile.interface import build_interface, interface_module
from taalas_flow.regfile.layout import build_bank
from taalas_flow.regfile.logic import address_bits, build_logic
from taalas_flow.regfile.memory import MemoryPlan
from taalas_flow.regfile.simulate import simulate_interface
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

STAMP = datetime.datetime(2026, 1, 1)
# 5 columns of 4 banks of 16 x 16: the column address has 3 bits, predecoded 2 + 1.
PLAN = MemoryPlan(300, width=16, read_ports=2, bank_words=16, column_banks=4)


@pytest.fixture(scope="module")
def memory(pdk_root: Path, tmp_path_factory):
    pdk = load_pdk("sky130", pdk_root)
    d = tmp_path_factory.mktemp("array")
    bank_name = PLAN.bank.module("t_rf")
    bank, bank_net, _src = build_bank(pdk, PLAN.bank, d / "bank", bank_name)
    col = build_column(pdk, bank, PLAN.column_banks, "col")
    name = interface_module(PLAN)
    iface, inet, src = build_interface(pdk, PLAN, d / "iface", name, col.width)
    # the one-stripe memory's logic and the folded one's (two names in one netlist set)
    logic, lnet, lsrc = build_logic(pdk, PLAN, d / "logic", "t", 20.0)
    flogic, flnet, flsrc = build_logic(pdk, PLAN, d / "flogic", "tf", 20.0)
    dname = driver_module(PLAN, "t_rf")
    drv, dnet, dsrc = build_drivers(pdk, PLAN, d / "drv", dname, iface.height)
    drv.lib.write_gds(str(d / "drv.gds"), timestamp=STAMP)
    rname = repeater_module(PLAN, "t_rf")
    rep, rnet, rsrc = build_repeaters(pdk, PLAN, d / "rep", rname, iface.height)
    rep.lib.write_gds(str(d / "rep.gds"), timestamp=STAMP)
    arr = build_array(pdk, PLAN, col, iface, "mem", logic=logic, drivers=drv, repeaters=rep)
    arr.lib.write_gds(str(d / "mem.gds"), timestamp=STAMP)
    (d / "mem.cdl").write_text(arr.cdl)
    iface.lib.write_gds(str(d / "iface.gds"), timestamp=STAMP)
    model = render_bank_model(PLAN.bank, d / "bank_model.v", bank_name)
    netlists = {bank_name: (bank_net, model), name: (inet, src), logic.name: (lnet, lsrc),
                dname: (dnet, dsrc), rname: (rnet, rsrc), flogic.name: (flnet, flsrc)}
    assert default_stripes(pdk, PLAN, col, iface) == 2
    folded = build_folded(pdk, PLAN, col, iface, flogic, "fmem", 2, drivers=drv,
                          repeaters=rep)
    folded.lib.write_gds(str(d / "fmem.gds"), timestamp=STAMP)
    (d / "fmem.cdl").write_text(folded.cdl)
    return pdk, d, col, iface, src, name, arr, netlists, folded


@pytest.fixture(scope="module")
def bare(memory):
    """The fixture's folded memory without input drivers."""
    pdk, d, col, iface, *_rest = memory
    logic, _n, _s = build_logic(pdk, PLAN, d / "logic_bare", "tb", 20.0)
    rep, _n, _s = build_repeaters(pdk, PLAN, d / "rep_bare", repeater_module(PLAN, "tb_rf"),
                                  iface.height)
    return build_folded(pdk, PLAN, col, iface, logic, "bare", 2, repeaters=rep)


def test_drivers_take_the_rows_that_cost_the_memory_least(memory, tmp_path) -> None:
    """The drivers' row count is the one of least row_cost among all row counts (the search
    stops early; that must not skip it), and the more stripes the block's height raises, the
    shorter the chosen block."""
    pdk, d, _col, iface, *_rest = memory
    name = driver_module(PLAN, "t_rf")
    net = read_gate_netlist(d / "drv" / f"{name}.v", name, "sky130_fd_sc_hd__")
    shapes = [(b.width, b.height) for b in (build_block(pdk, net, name, n_rows=r)
                                            for r in range(1, len(net.instances) + 1))]
    heights = []
    # beside blocks as tall as its one-row shape (the interfaces here are taller than most)
    low = min(h for _w, h in shapes)
    for stripes in (1, 4, 1000):
        drv, _n, _s = build_drivers(pdk, PLAN, tmp_path / str(stripes), name, low, stripes)
        best = min(row_cost(w, h, low, stripes) for w, h in shapes)
        assert row_cost(drv.width, drv.height, low, stripes) == pytest.approx(best)
        heights.append(drv.height)
    assert heights == sorted(heights, reverse=True) and heights[0] > heights[-1]


def test_plan_gives_every_column_its_own_pair_of_lines() -> None:
    pairs = [PLAN.column_lines(c) for c in range(PLAN.columns)]
    assert PLAN.columns == 5 and len(set(pairs)) == 5
    assert PLAN.column_line_counts == (2, 4)
    big = MemoryPlan(17152)
    assert big.columns == 67 and big.column_line_counts == (5, 16)


def test_interface_cells_do_what_the_memory_rtl_says(memory) -> None:
    pdk, d, _col, _iface, src, name, _arr, _nl, _f = memory
    compared, mismatches, _log = simulate_interface(pdk, PLAN.column_banks, PLAN.width,
                                                    PLAN.bank.ports, src, name, d / "sim")
    assert compared > 0 and mismatches == 0


def test_interface_simulation_catches_a_crossed_bit_line(memory) -> None:
    pdk, d, _col, _iface, src, name, _arr, _nl, _f = memory
    bad = d / "bad" / src.name
    bad.parent.mkdir(exist_ok=True)
    text = src.read_text()
    assert ".A1(RD_A[3])" in text
    bad.write_text(text.replace(".A1(RD_A[3])", ".A1(RD_A[4])"))
    _compared, mismatches, _log = simulate_interface(pdk, PLAN.column_banks, PLAN.width,
                                                     PLAN.bank.ports, bad, name, d / "badsim")
    assert mismatches > 0


def test_memory_is_clean_and_matches_the_plan(memory) -> None:
    pdk, d, col, iface, _src, _name, arr, _nl, _f = memory
    assert arr.width > PLAN.columns * col.width and arr.height > col.height + iface.height
    # the memory's ports are the RTL's, at the left edge; the predecoded lines are inside
    aw = address_bits(PLAN)
    assert set(arr.ports) == ({"clk", "we"} | {f"{b}_{i}_" for b in ("wa", "ra_addr", "rb_addr")
                                              for i in range(aw)}
                              | {f"{b}_{i}_" for b in ("wd", "ra_data", "rb_data")
                                 for i in range(16)})
    assert all(x == 0.0 for x, _y in arr.ports.values())
    drc = run_drc(pdk, d / "mem.gds", d / "mem.lyrdb", feol=False)
    assert drc.violations == 0, drc.by_rule
    drc = run_drc(pdk, d / "iface.gds", d / "iface.lyrdb", feol=True)
    assert drc.violations == 0, drc.by_rule
    for blk in ("drv", "rep"):
        drc = run_drc(pdk, d / f"{blk}.gds", d / f"{blk}.lyrdb", feol=True)
        assert drc.violations == 0, drc.by_rule
    assert run_lvs(pdk, d / "mem.gds", d / "mem.cdl", d / "lvs",
                   blackbox="sky130_fd_sc_hd__*").clean


def _assert_lvs_and_simulation_fail(pdk, d: Path, netlists, lines: list[str], tag: str
                                    ) -> None:
    """The memory's reference netlist changed to `lines`: LVS against the memory's layout
    fails, and the netlist no longer simulates like the memory RTL."""
    (d / f"{tag}.cdl").write_text("\n".join(lines))
    assert not run_lvs(pdk, d / "mem.gds", d / f"{tag}.cdl", d / f"lvs_{tag}",
                       blackbox="sky130_fd_sc_hd__*").clean
    _compared, mismatches, _log = simulate_memory(pdk, PLAN, "\n".join(lines), "mem", netlists,
                                                  address_bits(PLAN), d / f"sim_{tag}", 200)
    assert mismatches > 0


def test_memory_lvs_sees_an_interface_on_the_wrong_column_lines(memory) -> None:
    pdk, d, _col, _iface, _src, _name, arr, netlists, _f = memory
    lines = arr.cdl.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("Xif1 "))
    assert " SL_A_1 " in lines[k]
    lines[k] = lines[k].replace(" SL_A_1 ", " SL_A_2 ")
    _assert_lvs_and_simulation_fail(pdk, d, netlists, lines, "wrong")


def test_laid_out_memory_simulates_like_the_rtl(memory) -> None:
    pdk, d, _col, _iface, _src, _name, arr, netlists, _f = memory
    compared, mismatches, _log = simulate_memory(pdk, PLAN, arr.cdl, "mem", netlists,
                                                 address_bits(PLAN), d / "sim_mem", 400)
    assert compared >= 400 and mismatches == 0


def test_folded_memory_is_clean_and_simulates_like_the_rtl(memory) -> None:
    """The same memory as two stripes on a bus: the stripes are narrower than the one-stripe
    memory, the ports are the same, DRC 0, LVS clean, and it is still the memory RTL."""
    pdk, d, _col, _iface, _src, _name, arr, netlists, folded = memory
    assert [len(r) for r in stripe_columns(PLAN, 2)] == [3, 2]
    assert folded.metrics["stripes"] == 2 and folded.width < arr.width
    assert set(folded.ports) == set(arr.ports)
    assert all(y == 0.0 for _x, y in folded.ports.values())
    drc = run_drc(pdk, d / "fmem.gds", d / "fmem.lyrdb", feol=False)
    assert drc.violations == 0, drc.by_rule
    assert run_lvs(pdk, d / "fmem.gds", d / "fmem.cdl", d / "lvs_f",
                   blackbox="sky130_fd_sc_hd__*").clean
    compared, mismatches, _log = simulate_memory(pdk, PLAN, folded.cdl, "fmem", netlists,
                                                 address_bits(PLAN), d / "sim_f", 400)
    assert compared >= 400 and mismatches == 0


def test_folded_memory_lvs_sees_a_stripe_off_the_bus(memory) -> None:
    """Stripe 1 moved 1 um right: its stubs no longer reach its edge pins."""
    import gdstk

    pdk, d, *_rest, folded = memory
    lib = gdstk.read_gds(str(d / "fmem.gds"))
    top = next(c for c in lib.cells if c.name == "fmem")
    for ref in top.references:
        if ref.cell_name == "fmem_s1":
            ref.origin = (ref.origin[0] + 1.0, ref.origin[1])
    lib.write_gds(str(d / "fmem_off.gds"), timestamp=STAMP)
    assert not run_lvs(pdk, d / "fmem_off.gds", d / "fmem.cdl", d / "lvs_off",
                       blackbox="sky130_fd_sc_hd__*").clean


@pytest.mark.parametrize(("a", "b", "tag"), [("b_wa_0_", "b_wa_1_", "crossed"),
                                             (DRIVEN + CLOCK, "b_wa_0_", "clock")])
def test_lvs_and_simulation_see_crossed_driver_outputs(memory, a: str, b: str, tag: str
                                                       ) -> None:
    """The reference netlist with two drivers' outputs swapped: two word-address bits, and
    the stripe's clock driver with a write-address driver."""
    pdk, d, _col, _iface, _src, _name, arr, netlists, _f = memory
    lines = arr.cdl.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("Xdrv "))
    toks = lines[k].split()
    i, j = toks.index(a), toks.index(b)
    toks[i], toks[j] = toks[j], toks[i]
    lines[k] = " ".join(toks)
    _assert_lvs_and_simulation_fail(pdk, d, netlists, lines, tag)


def test_stripe_drivers_take_the_banks_off_the_memory_pins(memory, bare, tmp_path) -> None:
    """A memory address pin meets one buffer input per stripe (and the bus) instead of every
    bank's decoder; each stripe's driver output meets that stripe's banks, and the delay the
    drivers add grows with their load."""
    from taalas_flow.chip.wires import CdlDrivers
    from taalas_flow.rom.liberty import PdkLiberty
    from taalas_flow.toolchain import require_tool

    pdk, d, col, iface, _src, _name, _arr, _nl, folded = memory
    lib = PdkLiberty(pdk, "tt")
    cell = pdk.data["regfile"]["input_buffer_cell"]
    buf_in = lib.capacitance(cell, "A")
    pins, wire = CdlDrivers(pdk, folded.cdl, folded.net_pf).meets("fmem", "ra_addr_0_", lib)
    bare_pins, bare_wire = CdlDrivers(pdk, bare.cdl, bare.net_pf).meets("bare", "ra_addr_0_",
                                                                        lib)
    assert pins == pytest.approx(2 * buf_in)
    assert bare_pins > 3 * pins and bare_wire > wire
    assert "driver_loads" not in bare.metrics
    loads = {s: {n: DriverLoad(**v) for n, v in by.items()}
             for s, by in folded.metrics["driver_loads"].items()}
    assert sorted(loads) == ["fmem_s0", "fmem_s1"]
    groups = driver_groups(loads)
    wb = PLAN.word_bits
    assert {g: len(v) for g, v in groups.items()} == {
        "wa": 2 * wb, "wd": 2 * PLAN.width, "ra_addr": 2 * wb, "rb_addr": 2 * wb,
        "RE_A": 2 * PLAN.column_banks, "RE_B": 2 * PLAN.column_banks, CLOCK: 2}
    # a stripe's drivers together carry what the undriven pin met in that stripe's banks
    per_stripe = [loads[s]["b_ra_addr_0_"] for s in sorted(loads)]
    assert sum(ld.pins_pf for ld in per_stripe) == pytest.approx(bare_pins)
    assert all(ld.stripe_ohm > 0 and 0 < ld.stripe_pf < ld.wire_pf for ld in per_stripe)
    # a word-address bit reaches every column of its stripe (3 and 2 columns)
    assert [ld.taps for ld in per_stripe] == [len(r) for r in stripe_columns(PLAN, 2)]
    sta = require_tool("sta", "timing")
    small = driver_delays(sta, pdk, loads, "tt", tmp_path / "small")
    big = driver_delays(sta, pdk, {s: {n: DriverLoad(ld.pins_pf * 20, ld.wire_pf * 20,
                                                     ld.stripe_ohm, ld.stripe_pf * 20,
                                                     ld.taps)
                                       for n, ld in by.items()} for s, by in loads.items()},
                        "tt", tmp_path / "big")
    for g in groups:
        assert 0 < small[g]["cell_ns"] < big[g]["cell_ns"]
        assert small[g]["ns"] == pytest.approx(small[g]["cell_ns"] + small[g]["wire_ns"])
        assert 0 < small[g]["earliest_ns"] <= small[g]["cell_ns"]
        assert small[g]["earliest_ns"] < big[g]["earliest_ns"]
    # a slow clock edge at the stripes' clock drivers makes the clock later, not the data;
    # the earliest is taken from the fast edge
    slow = driver_delays(sta, pdk, loads, "tt", tmp_path / "slow", clock_edges=(0.0, 1.0))
    both = driver_delays(sta, pdk, loads, "tt", tmp_path / "both", clock_edges=(1.0, 1.0))
    for g in groups:
        if g == CLOCK:
            assert slow[g]["cell_ns"] > small[g]["cell_ns"]
            assert slow[g]["earliest_ns"] == pytest.approx(small[g]["earliest_ns"], abs=2e-3)
            assert both[g]["earliest_ns"] > small[g]["earliest_ns"]
        else:
            assert slow[g] == small[g] == both[g], g
    # each group's limit is its own cell's (the clock's differs); 20x the load is past some
    rf = pdk.data["regfile"]
    for g in groups:
        c = rf["clock_driver_cell" if g == CLOCK else "input_buffer_cell"]
        limit = float(re.search(r"max_capacitance : ([\d.]+)", lib.pin(c, "X")).group(1))
        assert small[g]["max_cap_pf"] == big[g]["max_cap_pf"] == pytest.approx(limit), g
    assert max_cap_violations(small) == {}
    over = max_cap_violations(big)
    assert over and set(over) == {g for g in groups
                                  if big[g]["load_pf"] > big[g]["max_cap_pf"]}


def test_logic_outputs_are_measured_into_the_whole_memory(memory, tmp_path) -> None:
    """Every net the global logic drives into the folded memory has its driving cell and its
    load: a read port's column line meets one select gate per interface on it, in every
    stripe, and the write-enable lines one and3 per bank of every interface; each group is
    timed into its load with its cell's limit beside it."""
    from taalas_flow.regfile.logic_loads import LogicLoad, logic_delays, logic_groups
    from taalas_flow.rom.liberty import PdkLiberty
    from taalas_flow.toolchain import require_tool

    pdk, *_rest, folded = memory
    lib = PdkLiberty(pdk, "tt")
    loads = {n: LogicLoad(**v) for n, v in folded.metrics["logic_loads"].items()}
    rf = pdk.data["regfile"]
    sel = lib.capacitance(rf["select_cell"], "A")
    for p in PLAN.bank.ports:
        for k in range(2):
            on = [c for c in range(PLAN.columns) if PLAN.column_lines(c)[0] == k]
            ld = loads[f"SH_{p}_{k}"]
            assert ld.pins_pf == pytest.approx(len(on) * sel, rel=1e-6), (p, k)
            assert ld.wire_pf > 0 and ld.elmore_ns() > 0
    # all of a net's wire is in its load: the bus line and every stripe's own
    for n, ld in loads.items():
        assert ld.load_pf >= ld.bus_pf + ld.far_load_pf - 1e-9, n
        assert ld.elmore_ns() > 0, n
    # nothing the logic drives is missed: read enables, column lines
    assert {re.sub(r"_\d+_?$", "", n) for n in loads} >= {
        f"{g}_{p}" for g in ("RE", "SH", "SL") for p in PLAN.bank.ports}
    assert all(ld.cell and ld.load_pf > 0 for ld in loads.values())
    sta = require_tool("sta", "timing")
    timed = logic_delays(sta, pdk, loads, "tt", tmp_path)
    assert set(timed) == {g for g, _c, _p in logic_groups(loads)}
    for g, r in timed.items():
        cells = {c for gg, c, _p in logic_groups(loads) if gg == g}
        assert r["cell"] in cells and r["ns"] > r["wire_ns"] > 0, g
        limit = re.search(r"max_capacitance : ([\d.]+)", lib.pin(r["cell"], r["pin"]))
        assert r["max_cap_pf"] == pytest.approx(float(limit.group(1))), g
    # synthesised for regfile.logic_output_load_pf, the logic drives all of them within its
    # cells' limits (sized for LibreLane's default 33 fF, the write enables' nor3b_2 was not)
    assert max_cap_violations(timed) == {}


def test_stripe_clock_drivers_take_the_banks_off_the_memory_clock(memory, bare) -> None:
    """The memory's clock pin meets one clock driver per stripe and the logic's registers
    instead of every bank's clock buffer; each stripe's driven clock meets its own banks'."""
    from taalas_flow.chip.wires import CdlDrivers
    from taalas_flow.rom.liberty import PdkLiberty

    pdk, _d, _col, _iface, _src, _name, _arr, _nl, folded = memory
    lib = PdkLiberty(pdk, "tt")
    rf = pdk.data["regfile"]
    walk = CdlDrivers(pdk, folded.cdl, folded.net_pf)
    logic_pins, _w = walk.meets("tf_dmem_logic", "clk", lib)
    pins, _w = walk.meets("fmem", CLOCK, lib)
    bare_pins, _w = CdlDrivers(pdk, bare.cdl, bare.net_pf).meets("bare", CLOCK, lib)
    bank_clock = lib.capacitance(rf["clock_cell"], "A")
    assert logic_pins > 0
    assert pins == pytest.approx(2 * lib.capacitance(rf["clock_driver_cell"], "A") + logic_pins)
    assert bare_pins == pytest.approx(PLAN.banks * bank_clock + logic_pins, rel=1e-6)
    for s, cols in enumerate(stripe_columns(PLAN, 2)):
        ld = DriverLoad(**folded.metrics["driver_loads"][f"fmem_s{s}"][DRIVEN + CLOCK])
        assert ld.pins_pf == pytest.approx(len(cols) * PLAN.column_banks * bank_clock)
        assert ld.taps == len(cols)



def test_lvs_and_simulation_see_a_cut_read_chain(memory) -> None:
    """Stripe 0's first interface given the stripe's tie-low level for a chain input in the
    folded memory's reference netlist, instead of the next column's output: LVS fails, and
    reads of that bit from the stripe's other columns no longer reach the read registers."""
    pdk, d, _col, _iface, _src, _name, _arr, netlists, folded = memory
    lines = folded.cdl.splitlines()
    start = lines.index(next(ln for ln in lines if ln.startswith(".SUBCKT fmem_s0 ")))
    k = next(i for i in range(start, len(lines)) if lines[i].startswith("Xif0 "))
    toks = lines[k].split()
    assert "c1_G_A_3_" in toks
    # the stripe's ZERO (the repeaters' tie cell) is VGND to LVS
    lines[k] = " ".join("VGND" if tk == "c1_G_A_3_" else tk for tk in toks)
    (d / "cut.cdl").write_text("\n".join(lines))
    assert not run_lvs(pdk, d / "fmem.gds", d / "cut.cdl", d / "lvs_cut",
                       blackbox="sky130_fd_sc_hd__*").clean
    _compared, mismatches, _log = simulate_memory(pdk, PLAN, "\n".join(lines), "fmem",
                                                  netlists, address_bits(PLAN),
                                                  d / "sim_cut", 200)
    assert mismatches > 0


def test_array_refuses_columns_a_chain_cannot_run_through(memory) -> None:
    from taalas_flow.errors import InputError

    pdk, d, col, iface, *_rest = memory
    rep, _n, _s = build_repeaters(pdk, PLAN, d / "rep_gap", repeater_module(PLAN, "tg_rf"),
                                  iface.height)
    with pytest.raises(InputError, match="not consecutive"):
        build_array(pdk, PLAN, col, iface, "gap", [0, 2], repeaters=rep)


def test_read_chains_link_each_interface_to_the_next_and_each_stripe_to_the_one_below(
        memory, tmp_path) -> None:
    """Every link of a stripe's chain is one short net: an interface's output into the next
    interface's chain input (the first one's into the stripe's repeater); every link between
    stripes the repeaters' output into the stripe below's (the first stripe's into the logic's
    read bus). Each is within its cell's limit here, and the chain's delay is its links times
    the worst link, which grows with the load."""
    from taalas_flow.chip.wires import CdlDrivers
    from taalas_flow.regfile.read_bus import (
        BusLoad,
        link_delay,
        stripe_chain_delay,
    )
    from taalas_flow.rom.liberty import PdkLiberty
    from taalas_flow.toolchain import require_tool

    pdk, _d, *_rest, folded = memory
    lib = PdkLiberty(pdk, "tt")
    rf = pdk.data["regfile"]
    bits = sorted(f"G_{p}_{i}_" for p in PLAN.bank.ports for i in range(PLAN.width))
    chain = {s: {n: DriverLoad(**v) for n, v in by.items()}
             for s, by in folded.metrics["read_chain"].items()}
    assert sorted(chain) == ["fmem_s0", "fmem_s1"]
    walk = CdlDrivers(pdk, folded.cdl, folded.net_pf)
    for s, cols in zip(sorted(chain), stripe_columns(PLAN, 2), strict=True):
        assert sorted(chain[s]) == sorted(["l_" + b for b in bits]
                                          + [f"c{c}_{b}" for c in cols[1:] for b in bits])
        for n, ld in chain[s].items():
            into = (rf["read_repeater_cell"], "A") if n.startswith("l_") else \
                (rf["chain_cell"], "B1")
            assert ld.pins_pf == pytest.approx(lib.capacitance(*into), rel=1e-6), n
            assert walk.fanout(s, n) == 2 and ld.taps == 1
            assert 0 < ld.stripe_pf <= ld.wire_pf and ld.elmore_ns() > 0, n
    assert folded.metrics["chain_links"] == 3
    links = {n: BusLoad(**v) for n, v in folded.metrics["read_links"].items()}
    assert sorted(links) == sorted(bits + [f"U1_{b}" for b in bits])
    for n, ld in links.items():
        if n.startswith("U1_"):                # stripe 1's repeater into stripe 0's, on the bus
            assert ld.pins_pf == pytest.approx(lib.capacitance(rf["read_repeater_cell"], "B"))
            assert ld.bus_ohm > 0 and ld.wire_pf > ld.far_pf + ld.bus_pf
        else:                                  # stripe 0's into the logic, inside the stripe
            assert ld.pins_pf > 0 and ld.bus_ohm == 0
        assert ld.elmore_ns() > 0
    sta = require_tool("sta", "timing")
    t = stripe_chain_delay(sta, pdk, chain, 3, "tt", tmp_path / "chain")
    assert t["links"] == 3 and t["ns"] == pytest.approx(t["first_ns"] + 2 * t["link_ns"])
    assert t["first_ns"] == pytest.approx(t["cell_ns"] + t["wire_ns"])
    # the chain's own input is one of the cell's inputs: no slower than its worst
    assert 0 < t["link_ns"] <= t["first_ns"]
    assert t["load_pf"] < t["max_cap_pf"] == lib.max_capacitance(rf["chain_cell"], "X")
    heavier = stripe_chain_delay(sta, pdk, {s: {n: DriverLoad(ld.pins_pf, ld.wire_pf * 4,
                                                              ld.stripe_ohm, ld.stripe_pf * 4,
                                                              ld.taps)
                                                for n, ld in by.items()}
                                            for s, by in chain.items()}, 3, "tt",
                                 tmp_path / "heavier")
    assert 0 < t["cell_ns"] < heavier["cell_ns"] and 0 < t["wire_ns"] < heavier["wire_ns"]
    lt = link_delay(sta, pdk, links, 2, "tt", tmp_path / "links")
    assert lt["ns"] == pytest.approx(lt["first_ns"] + lt["link_ns"])
    assert lt["load_pf"] < lt["max_cap_pf"]


def test_logic_read_data_leaves_through_port_buffers(memory) -> None:
    """The read data crosses the chip to the core: each bit leaves the logic through the
    config's port buffer after its read register; the lines across the memory do not."""
    from taalas_flow.pnr.buffering import BufferPolicy
    from taalas_flow.regfile.logic import READ_DATA

    pdk, *_r, netlists, _f = memory
    lnet, lsrc = next(v for k, v in netlists.items() if k == "t_dmem_logic")
    cell = f"sky130_fd_sc_hd__{BufferPolicy.of(pdk).port_cell}"
    drv = {n: i for i in lnet.instances for p, n in i.conns.items() if p in ("X", "Q", "Y")}
    out = [p for p, k in lnet.ports.items() if k == "output"]
    data = [p for p in out if p.split("[")[0] in READ_DATA]
    assert len(data) == 2 * PLAN.width
    for p in data:
        assert drv[p].cell == cell and drv[drv[p].conns["A"]].cell.startswith(
            "sky130_fd_sc_hd__dfxtp"), p
    assert not any(drv[p].cell == cell for p in out if p not in data)
    assert lsrc.name.endswith(".buffered.v") and cell in lsrc.read_text()


def test_logic_is_timed_whole_into_the_lines_it_drives(memory, tmp_path) -> None:
    """OpenSTA on the whole logic, each output loaded by its line: a line's decode takes
    longer than its last cell alone into the same load and grows with the load; the read
    registers' capture is a gate and a setup."""
    from dataclasses import replace

    from taalas_flow.regfile.logic_loads import LogicLoad, logic_delays, logic_port_nets
    from taalas_flow.regfile.logic_timing import logic_timing, port_loads
    from taalas_flow.toolchain import require_tool

    pdk, d, *_rest, folded = memory
    # the fixture's folded logic again (synthesis and layout are deterministic)
    logic, lnet, lsrc = build_logic(pdk, PLAN, d / "flogic_timed", "tf", 20.0)
    loads = {n: LogicLoad(**v) for n, v in folded.metrics["logic_loads"].items()}
    set_on = port_loads(pdk, PLAN, logic, loads)
    nets = logic_port_nets(PLAN, logic)
    assert set_on and all(0 < c <= loads[nets[p]].load_pf for p, c in set_on.items())
    assert {nets[p] for p in set_on} == set(loads)       # every line is loaded, once
    sta = require_tool("sta", "timing")
    t = logic_timing(sta, pdk, PLAN, logic, lnet, lsrc, loads, 20.0, tmp_path / "as_drawn")
    last = logic_delays(sta, pdk, loads, "tt", tmp_path / "last")
    assert set(last) <= set(t["out_ns"])
    for g, r in last.items():
        assert t["out_ns"][g] > r["cell_ns"], g
    heavier = {n: replace(ld, pins_pf=ld.pins_pf + 0.5) for n, ld in loads.items()}
    t2 = logic_timing(sta, pdk, PLAN, logic, lnet, lsrc, heavier, 20.0, tmp_path / "heavier")
    for g in last:
        assert t2["out_ns"][g] > t["out_ns"][g], g
    assert set(t["capture_ns"]) == {f"G_{p}" for p in PLAN.bank.ports}
    # a gate and a flop's setup, less the register's clock latency through the logic's own
    # clock wiring (the clock is propagated from the logic's pin): near zero, not a period
    assert all(-1.0 < v < 2.0 for v in t["capture_ns"].values()), t["capture_ns"]


def test_interface_outputs_are_measured_into_their_loads(memory, tmp_path) -> None:
    """Each bank's write enable runs from its interface's and3 up the column to the bank (one
    per bank of every column, in one stripe); each read port's select drives every chain
    link of its interface; both are timed against their cell's limit."""
    from taalas_flow.regfile.drivers import DriverLoad, stage_delay
    from taalas_flow.rom.liberty import PdkLiberty
    from taalas_flow.toolchain import require_tool

    pdk, *_rest, folded = memory
    lib = PdkLiberty(pdk, "tt")
    rf = pdk.data["regfile"]
    loads = {(s, n): DriverLoad(**v) for s, by in folded.metrics["interface_loads"].items()
             for n, v in by.items()}
    we = {n: ld for (_s, n), ld in loads.items() if "_WE_" in n}
    assert sorted(we) == sorted(f"c{c}_WE_{k}" for c in range(PLAN.columns)
                                for k in range(PLAN.column_banks))
    # the bank's write enable enters through its hold cells: one cell input per net
    for n, ld in we.items():
        assert ld.pins_pf == pytest.approx(lib.capacitance(rf["hold_cell"], "A"), rel=1e-6), n
    # its wire is the stripe's (interface to column) and the column's (up to the bank)
    for n, ld in we.items():
        assert ld.wire_pf > ld.stripe_pf > 0, n
    for p in PLAN.bank.ports:
        [sel] = [ld for (_s, n), ld in loads.items() if n == f"sel_{p}"]
        assert sel.pins_pf == pytest.approx(
            PLAN.width * lib.capacitance(rf["chain_cell"], "A2"), rel=1e-6), p
    sta = require_tool("sta", "timing")
    t = stage_delay(sta, pdk, rf["write_enable_cell"], "X", list(we.values()), "tt", tmp_path)
    assert t["load_pf"] == max(ld.load_pf for ld in we.values()) and t["ns"] > 0
    assert t["max_cap_pf"] == lib.max_capacitance(rf["write_enable_cell"], "X")



def test_periphery_times_every_port_through_the_bus_and_its_stripe(memory) -> None:
    """Every port of the folded memory is timed from its pin to each block that takes it
    (inputs) or from the logic to its pin (read data); the clock reaches the upper stripe's
    drivers later than the lower's, and no time exceeds the crude bound of the two nets'
    whole resistance into their whole capacitance."""
    from taalas_flow.pnr.parasitics import tech_rc
    from taalas_flow.regfile.periphery import summary

    pdk, _d, _col, _iface, _src, _name, _arr, _nl, folded = memory
    got = folded.metrics["periphery"]
    assert set(got["in"]) | set(got["out"]) == set(folded.ports)
    assert set(got["out"]) == {n for n in folded.ports if re.match(r"r[a-z]_data_", n)}
    drv = driver_module(PLAN, "t_rf")
    clk = got["in"][CLOCK]
    lo, hi = (clk[f"fmem_s{s}"][drv] for s in (0, 1))
    assert 0 < lo < hi
    assert clk["fmem_s0"]["tf_dmem_logic"] > 0
    # the way out is at least the bus line from the logic's stripe down to the pin, and the
    # Elmore delay at least that resistance into half its own line
    m4 = tech_rc(pdk)[0]["met4"]
    for n, v in got["out"].items():
        (_y0, _y1, w), (tap,) = folded.tracks[n], folded.branches[n]
        bus_ohm = m4.r(w, tap.x)
        assert bus_ohm < v["ohm"] < 20 * bus_ohm, n
        assert v["ns"] > 1e-3 * bus_ohm * m4.c(w, tap.x) / 2, n
    got_sum = summary(got, drv, "tf_dmem_logic")
    assert got_sum["bus_clk_drivers_ns"] == hi
    assert got_sum["bus_clk_drivers_earliest_ns"] == lo
    assert got_sum["bus_wa_less_clk_ns"] == max(
        max(at[drv] for n, by in got["in"].items() if n.startswith("wa_")
            for st, at in by.items() if st == s and drv in at) - clk[s][drv] for s in clk)


def test_stripe_loads_take_each_columns_own_way_up_to_its_banks(memory) -> None:
    """A driven net's load counts the column's own resistance up to its farthest bank:
    the clock's met4 line through the column's four banks into what the column hangs on
    it, the banks spread along it; a bank's write enable its met2 up to that one bank."""
    from dataclasses import asdict

    from taalas_flow.chip.wires import CdlDrivers
    from taalas_flow.regfile.array import WRITE_ENABLE
    from taalas_flow.rom.liberty import PdkLiberty

    pdk, _d, col, _iface, _src, _name, _arr, _nl, folded = memory
    lib = PdkLiberty(pdk, "tt")
    walk = CdlDrivers(pdk, folded.cdl, folded.net_pf)
    ohm = col.metrics["port_ohm"]
    k = PLAN.column_banks
    clk = ohm["CLK"] * sum(walk.meets(col.name, "CLK", lib)) * (k + 1) / (2 * k) * 1e-3
    for s in range(2):
        ld = DriverLoad(**folded.metrics["driver_loads"][f"fmem_s{s}"][DRIVEN + CLOCK])
        assert ld.column_ns == pytest.approx(clk)
        assert ld.elmore_ns() == pytest.approx(
            DriverLoad(**{**asdict(ld), "column_ns": 0.0}).elmore_ns() + clk)
    we = [DriverLoad(**v) for by in folded.metrics["interface_loads"].values()
          for n, v in by.items() if WRITE_ENABLE.fullmatch(n)]
    top = max(ohm[f"WE_{b}"] * sum(walk.meets(col.name, f"WE_{b}", lib)) * 1e-3
              for b in range(k))
    assert we and max(ld.column_ns for ld in we) == pytest.approx(top)
