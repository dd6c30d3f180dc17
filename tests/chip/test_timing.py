"""Paths between blocks as sums of their measured segments, and the one that binds."""

from __future__ import annotations

import pytest

from taalas_flow.chip.timing import (
    binding_path,
    interblock_hold,
    interblock_paths,
    memory_write_hold,
    memory_write_out_min,
)

PORTS = {"in": {"wrom_dout": 4.0, "ra_data": -3.0, "rb_data": 2.0},
         "out": {"wrom_addr": 6.0, "ra_addr": 5.0, "rb_addr": 4.0}}
ROM = {"wrom": {"setup_pre_ns": 7.0, "setup_addr_ns": 7.5,
                "sim_clk_to_q_ns": {"rise": 0.2, "fall": 0.3}}}


def test_segments_add_up_and_the_longest_path_binds() -> None:
    p = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0)
    total = {k: v["total_ns"] for k, v in p.items()}
    assert total["core register to register"] == 12.0
    # PRE is the clock: the read has the low phase, half the period
    assert total["wrom read in the clock's low phase"] == 14.0
    assert total["core -> wrom address"] == pytest.approx(13.5)
    # an input allowed 4 ns after the edge at a 10 ns period needs 6 ns of the core
    assert total["wrom data -> core"] == pytest.approx(6.3)
    assert total["data memory ra read -> core"] == pytest.approx(13.0)
    assert total["core -> data memory ra address"] == pytest.approx(11.5)
    assert binding_path(p) == ("wrom read in the clock's low phase", 14.0)


def test_paths_without_a_measurement_are_left_out() -> None:
    ports = {"in": {"ra_data": 1.0}, "out": {}}
    p = interblock_paths(ports, {}, None, period=10.0, reg2reg_ns=20.0)
    assert set(p) == {"core register to register", "data memory ra read -> core"}
    assert binding_path(p) == ("core register to register", 20.0)



def test_wire_and_driver_segments_join_their_paths() -> None:
    """The chip wire's delay on every path through a port that has one, the other block's
    driving cell (unloaded; before a port buffer, the cell into it) on the paths into the
    core; nothing on ports without them."""
    wires = {"wrom_addr": 0.2, "wrom_dout": 0.5, "ra_data": 0.3, "ra_addr": 0.1}
    drivers = {"wrom_dout": [("mux2_1", 0.25)], "ra_data": [("dfxtp_2", 0.17), ("buf_8", 0.1)]}
    bare = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0)
    p = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0, wire_ns=wires,
                         drivers=drivers)
    added = {k: p[k]["total_ns"] - bare[k]["total_ns"] for k in p}
    assert added["core -> wrom address"] == pytest.approx(0.2)
    assert added["wrom data -> core"] == pytest.approx(0.75)
    assert added["data memory ra read -> core"] == pytest.approx(0.57)
    assert added["core -> data memory ra address"] == pytest.approx(0.1)
    for k in ("core register to register", "data memory rb read -> core",
              "core -> data memory rb address", "wrom read in the clock's low phase"):
        assert added[k] == 0.0, k
    assert p["wrom data -> core"]["segments"]["port output (mux2_1, unloaded)"] == 0.25
    read = p["data memory ra read -> core"]["segments"]
    assert read["read register clock to Q (dfxtp_2 into the port buffer)"] == 0.17
    assert read["port buffer (buf_8, unloaded)"] == 0.1


def test_the_memory_stripe_drivers_join_the_address_paths_only() -> None:
    drive = {"ra_addr": ("buf_16", 0.8)}
    bare = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0)
    p = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0, memory_drive=drive)
    added = {k: p[k]["total_ns"] - bare[k]["total_ns"] for k in p}
    assert added.pop("core -> data memory ra address") == pytest.approx(0.8)
    assert not any(added.values())
    assert p["core -> data memory ra address"]["segments"][
        "stripe driver (buf_16) and stripe wire (tt)"] == 0.8


def test_writes_into_the_memory_are_summed_when_the_bank_setup_is_known() -> None:
    ports = {"in": {}, "out": {"wa": 5.0, "wd": 7.0, "ra_addr": 5.0}}
    drive = {"wa": ("buf_16", 1.0), "wd": ("buf_16", 1.5)}
    assert not any("write" in k for k in interblock_paths(ports, {}, 6.5, 10.0, 12.0,
                                                          memory_drive=drive))
    p = interblock_paths(ports, {}, 6.5, 10.0, 12.0, wire_ns={"wd": 0.2}, memory_drive=drive,
                         bank_write_ns=1.5)
    assert p["core -> data memory write address"]["total_ns"] == pytest.approx(7.5)
    assert p["core -> data memory write data"]["total_ns"] == pytest.approx(10.2)
    assert p["core -> data memory write data"]["segments"]["bank write setup (tt)"] == 1.5
    # the memory's clock reaches the banks late: that much more time for the write
    late = interblock_paths(ports, {}, 6.5, 10.0, 12.0, wire_ns={"wd": 0.2},
                            memory_drive=drive, bank_write_ns=1.5, memory_clock_ns=0.7)
    assert late["core -> data memory write data"]["total_ns"] == pytest.approx(9.5)
    assert late["core -> data memory ra address"] == p["core -> data memory ra address"]


def test_memory_write_hold_bound_adds_data_delays_and_takes_the_clocks() -> None:
    hold = memory_write_hold({"wa": 1.0, "wd": 1.2, "we": 0.9, "ra_addr": 0.1},
                             {"wa": 0.5, "wd": 0.6}, clock_latest=2.0, bank_hold_ws=0.7)
    assert set(hold) == {"wa", "wd", "we"}
    assert hold["wa"]["slack_ns"] == pytest.approx(0.2)
    assert hold["wd"]["slack_ns"] == pytest.approx(0.5)
    # no stripe driver on the write enable's way: only the core's output counts
    assert hold["we"]["slack_ns"] == pytest.approx(-0.4)
    assert "stripe driver, earliest" not in hold["we"]["segments"]
    assert memory_write_hold({}, {}, 2.0, 0.7) == {}


def test_the_memory_read_bus_joins_the_read_address_paths() -> None:
    bare = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0)
    p = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0,
                         read_bus={"stripe bus": 1.5, "repeater and global bus": 1.0})
    added = {k: p[k]["total_ns"] - bare[k]["total_ns"] for k in p}
    assert added.pop("core -> data memory ra address") == pytest.approx(2.5)
    assert added.pop("core -> data memory rb address") == pytest.approx(2.5)
    assert p["core -> data memory ra address"]["segments"]["stripe bus"] == 1.5
    assert not any(added.values())


def test_the_memory_logic_lines_are_paths_of_their_own() -> None:
    """A read's column line runs beside the bank read and ends on the read bus; the write
    column lines and the write enable end at the bank's write setup, less the clock's
    earliest arrival; a port the logic decodes nothing from gets no such path."""
    ports = {"in": {}, "out": {"ra_addr": 5.0, "wa": 4.0, "we": 3.0}}
    lines = {"ra_addr": {"SL_A line": 8.5, "select": 0.5}, "wa": {"SH_W line": 8.0},
             "we": {"WEB line": 19.0, "bank write enable": 1.0}, "rb_addr": {"SL_B line": 7.0}}
    bus = {"stripe bus": 1.5}
    bare = interblock_paths(ports, {}, 6.5, 10.0, 12.0, read_bus=bus, bank_write_ns=1.5,
                            memory_clock_ns=0.5)
    p = interblock_paths(ports, {}, 6.5, 10.0, 12.0, wire_ns={"we": 0.3}, read_bus=bus,
                         bank_write_ns=1.5, memory_clock_ns=0.5, memory_lines=lines)
    assert set(p) - set(bare) == {"core -> data memory ra column select",
                                  "core -> data memory write column select",
                                  "core -> data memory write enable"}
    assert p["core -> data memory ra column select"]["total_ns"] == pytest.approx(15.5)
    assert p["core -> data memory write column select"]["total_ns"] == pytest.approx(13.0)
    assert p["core -> data memory write enable"]["total_ns"] == pytest.approx(24.3)
    assert binding_path(p) == ("core -> data memory write enable", pytest.approx(24.3))
    # without the bank's write setup no write path is summed, lines or not
    assert not any("write" in k for k in interblock_paths(ports, {}, 6.5, 10.0, 12.0,
                                                          memory_lines=lines))


def test_the_chip_clock_arrivals_move_each_path_by_launch_less_capture() -> None:
    """The clock reaching the core at 0.1 ns, the memory at 0.6 and the weight-ROM port's
    macros at 1.5: a path out of a block that gets the edge late is longer, a path into it
    shorter; the core's own paths and the macros' low-phase read do not move. The memory's
    write hold loses what the memory's pin is later than the core's."""
    at = {"core": ("core pin", 0.1), "dmem": ("memory pin", 0.6), "wrom": ("macros", 1.5)}
    ports = {**PORTS, "out": {**PORTS["out"], "wa": 1.0}}
    bare = interblock_paths(ports, ROM, 6.5, period=10.0, reg2reg_ns=12.0, bank_write_ns=2.0)
    p = interblock_paths(ports, ROM, 6.5, period=10.0, reg2reg_ns=12.0, bank_write_ns=2.0,
                         clock_at=at)
    added = {k: p[k]["total_ns"] - bare[k]["total_ns"] for k in p}
    assert added["core -> wrom address"] == pytest.approx(0.1 - 1.5)
    assert added["wrom data -> core"] == pytest.approx(1.5 - 0.1)
    assert added["data memory ra read -> core"] == pytest.approx(0.6 - 0.1)
    assert added["core -> data memory ra address"] == pytest.approx(0.1 - 0.6)
    assert added["core -> data memory write address"] == pytest.approx(0.1 - 0.6)
    assert added["core register to register"] == 0.0
    assert added["wrom read in the clock's low phase"] == 0.0
    seg = p["wrom data -> core"]["segments"]
    assert seg["clock at the launch: macros"] == 1.5
    assert seg["clock at the capture: core pin"] == -0.1
    h0 = memory_write_hold({"wa": 1.0}, {}, 0.5, 0.2)
    h = memory_write_hold({"wa": 1.0}, {}, 0.5, 0.2, clock_at=at)
    # the memory's clock wire takes its slack; the core's, which would give some, does not
    assert h["wa"]["slack_ns"] - h0["wa"]["slack_ns"] == pytest.approx(-0.6)


def test_the_memory_bus_moves_each_memory_path_by_its_own_wiring() -> None:
    """A read address gains its bus to the farthest stripe's drivers and is captured later
    by the clock's bus to the read registers; the read data leaves later by that clock and
    its way out; a write gains its bus less the clock's to the same stripe, a write line its
    bus to the logic less the clock's to the nearest stripe; the write hold loses the
    clock's bus to the farthest stripe."""
    ports = {"in": {"ra_data": 2.0}, "out": {"ra_addr": 5.0, "wa": 4.0, "we": 3.0}}
    lines = {"ra_addr": {"SL_A line": 8.5}, "we": {"WEB line": 9.0}}
    mbus = {"bus_ra_addr_drivers_ns": 0.7, "bus_ra_addr_logic_ns": 0.2,
            "bus_clk_logic_ns": 0.1, "bus_clk_drivers_earliest_ns": 0.15,
            "bus_clk_drivers_ns": 0.6, "bus_wa_less_clk_ns": 0.05, "bus_we_logic_ns": 0.3,
            "read_out_ra_data_ns": 0.25}
    kw = {"read_bus": {"chain": 1.0}, "bank_write_ns": 1.5, "memory_lines": lines}
    bare = interblock_paths(ports, {}, 6.5, 10.0, 12.0, **kw)
    p = interblock_paths(ports, {}, 6.5, 10.0, 12.0, memory_bus=mbus, **kw)
    added = {k: p[k]["total_ns"] - bare[k]["total_ns"] for k in p}
    assert added["core -> data memory ra address"] == pytest.approx(0.7 - 0.1)
    assert added["core -> data memory ra column select"] == pytest.approx(0.2 - 0.1)
    assert added["data memory ra read -> core"] == pytest.approx(0.1 + 0.25)
    assert added["core -> data memory write address"] == pytest.approx(0.05)
    assert added["core -> data memory write enable"] == pytest.approx(0.3 - 0.15)
    assert added["core register to register"] == 0.0
    h0 = memory_write_hold({"wa": 1.0}, {}, 0.5, 0.2)
    h = memory_write_hold({"wa": 1.0}, {}, 0.5, 0.2, clock_bus_latest=0.6)
    assert h["wa"]["slack_ns"] - h0["wa"]["slack_ns"] == pytest.approx(-0.6)


def test_a_rom_ports_own_wiring_joins_its_paths() -> None:
    """The port's address wire joins the address path; its flop's loaded clock to DOUT
    replaces the macro simulation's unloaded one, and the wire into the logic joins it."""
    inside = {"wrom": {"addr_wire_ns": 0.01, "dout_wire_ns": 0.02, "dout_clk_to_q_ns": 0.45}}
    bare = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0)
    p = interblock_paths(PORTS, ROM, 6.5, period=10.0, reg2reg_ns=12.0, rom_ports=inside)
    added = {k: p[k]["total_ns"] - bare[k]["total_ns"] for k in p}
    assert added["core -> wrom address"] == pytest.approx(0.01)
    assert added["wrom data -> core"] == pytest.approx(0.45 + 0.02 - 0.3)
    assert not any("unloaded" in s for s in p["wrom data -> core"]["segments"])
    assert added["wrom read in the clock's low phase"] == 0.0


def test_hold_into_the_core_loses_the_clock_wire_to_the_core() -> None:
    """An input's bound is the core's own hold slack at its pin less the chip's clock wire
    to the core (the launching block's clock and cells are left out: they only add); a ROM
    address's is the core's earliest change less the macros' clock and their hold; ports
    without a figure are left out, and so is a ROM whose clock is unknown."""
    ports = {"in_min": {"wrom_dout": 0.4, "tok_in": -0.2}, "out_min": {"wrom_addr": 4.5}}
    at = {"core": ("core pin", 0.3), "wrom": ("macros", 1.5)}
    h = interblock_hold(ports, at, {"wrom": -0.05, "prom": -0.05})
    assert set(h) == {"wrom_dout -> core", "tok_in -> core", "core -> wrom address"}
    assert h["wrom_dout -> core"]["slack_ns"] == pytest.approx(0.4 - 0.3)
    assert h["tok_in -> core"]["slack_ns"] == pytest.approx(-0.5)
    assert h["core -> wrom address"]["slack_ns"] == pytest.approx(4.5 - 1.5 + 0.05)
    assert h["core -> wrom address"]["segments"]["clock at the capture: macros"] == -1.5
    # a later clock at the core takes as much from every input and gives nothing back
    later = interblock_hold(ports, {**at, "core": ("core pin", 0.8)}, {"wrom": -0.05})
    assert later["wrom_dout -> core"]["slack_ns"] == pytest.approx(0.4 - 0.8)
    assert later["core -> wrom address"] == h["core -> wrom address"]
    assert interblock_hold({"in_min": {}, "out_min": {}}, at, {"wrom": 0.0}) == {}


def test_the_read_bit_line_joins_the_read_address_only() -> None:
    """The bit line's way down its column follows the bank's read on a read address's
    path; a column select, which finds the bit line settled, does not take it."""
    ports = {"in": {}, "out": {"ra_addr": 5.0}}
    lines = {"ra_addr": {"SL_A line": 8.5}}
    kw = {"read_bus": {"chain": 1.0}, "memory_lines": lines}
    bare = interblock_paths(ports, {}, 6.5, 10.0, 12.0, **kw)
    p = interblock_paths(ports, {}, 6.5, 10.0, 12.0, bit_line_ns=0.03, **kw)
    added = {k: p[k]["total_ns"] - bare[k]["total_ns"] for k in p}
    assert added["core -> data memory ra address"] == pytest.approx(0.03)
    assert added["core -> data memory ra column select"] == 0.0
    seg = list(p["core -> data memory ra address"]["segments"])
    assert seg.index("read bit line down its column (Elmore, tt)") == \
        seg.index("bank read (tt)") + 1


def test_the_cores_write_outputs_are_held_to_what_the_memory_needs() -> None:
    """The earliest change each write output is held to gives memory_write_hold exactly
    the margin when the memory's clock wire takes the budget; a later change gives more."""
    early = {"wa": 0.8, "wd": 0.9}
    need = memory_write_out_min(early, 3.4, 0.7, 0.16, clock_wire=0.5, margin=0.1)
    assert set(need) == {"wa", "wd", "we"}
    assert need["we"] == pytest.approx(0.1 + 3.4 + 0.16 + 0.5 - 0.7)
    assert need["wa"] == pytest.approx(need["we"] - 0.8)
    at = {"dmem": ("memory pin", 0.5)}
    h = memory_write_hold(need, early, 3.4, 0.7, at, 0.16)
    assert all(v["slack_ns"] == pytest.approx(0.1) for v in h.values())
    later = memory_write_hold({p: v + 0.2 for p, v in need.items()}, early, 3.4, 0.7, at, 0.16)
    assert all(v["slack_ns"] == pytest.approx(0.3) for v in later.values())

