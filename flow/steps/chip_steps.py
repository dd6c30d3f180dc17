"""Chip assembly Steps: the pieces of the chip top laid out, wired and signed off one by one
(flow/chip, flow/regfile). Today: the engine's two ROM ports and the data memory."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from librelane.common import Path as LLPath
from librelane.state import DesignFormat, State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate

from taalas_flow.steps.common import CLOCK_VARS, PDK_CONFIG_VARS, step_pdk, write_block
from taalas_flow.steps.engine_steps import LANES_VAR
from taalas_flow.steps.model_steps import QUANT_VARS, ROM_IMAGE
from taalas_flow.steps.rom_steps import ROM_VARS

# The blocks the chip top places, each written by its step (write_block): a JSON index of
# block name -> directory, which each step extends.
BLOCKS = DesignFormat.factory.get("taalas_blocks") or DesignFormat(
    "taalas_blocks", "blocks.json", "Laid-out blocks (GDS, CDL, abstract) for the chip top")
BLOCKS.register()


# The chip's GDS (final/taalas_chip_gds/<design>.gds): a view of its own, so the GDS view stays
# the ROM macros that readback, the XOR proof and re-spins work on.
CHIP_GDS = DesignFormat.factory.get("taalas_chip_gds") or DesignFormat(
    "taalas_chip_gds", "gds", "The chip: every block placed and wired")
CHIP_GDS.register()
CHIP_NAME = "taalas_engine_chip"


def _blocks(state_in: State) -> dict[str, str]:
    p = state_in.get(BLOCKS)
    return json.loads(Path(str(p)).read_text()) if p else {}


def _publish(d: Path, blocks: dict[str, str]) -> ViewsUpdate:
    path = d / "blocks.json"
    path.write_text(json.dumps(blocks, indent=1, sort_keys=True) + "\n")
    return {BLOCKS: LLPath(str(path))}


# Cells compared as black boxes in a port's LVS: the logic block's cell copies (see
# chip.rom_port) and the bank macros, whose own LVS is the ROM step's tile check.
PORT_BLACKBOX = ["B_sky130_fd_sc_hd__*", "wrom[0-9]*", "prom[0-9]*"]


def _engine(step: Step, state_in: State):
    """The quantised model the ROM step wrote and the engine built for it: (qm, arch)."""
    from taalas_flow.engine.arch import EngineArch
    from taalas_flow.model.rom_image import load_rom_image

    qm = load_rom_image(Path(str(state_in[ROM_IMAGE])))
    return qm, EngineArch(qm.config, qm.bits, qm.block, step.config["TAALAS_ENGINE_LANES"])


@Step.factory.register()
class RomPorts(Step):
    """Each ROM port (the engine's `<name>_wrom` / `<name>_prom`: bank macros, the port
    logic synthesised and laid out as a block, channel wiring, power rails and ring, pins)
    as one GDS; DRC of the wiring layers on the whole port and FEOL+BEOL on its logic block;
    LVS of the port against the netlist from the same description; the macros' clock after
    the port's pin (CLK wire, clock buffer, wire to the banks) at tt, for the chip's
    timing."""

    id = "Taalas.RomPorts"
    name = "ROM ports"
    inputs = [ROM_IMAGE]
    outputs = [BLOCKS]
    config_vars = PDK_CONFIG_VARS + QUANT_VARS + CLOCK_VARS + [LANES_VAR]

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from librelane.logging import info, warn

        from taalas_flow.chip.clock import port_clock_tree
        from taalas_flow.chip.port_paths import port_paths
        from taalas_flow.chip.rom_port import CLOCK_OUT, lay_out_rom_port
        from taalas_flow.engine.rom_macros import MACROS
        from taalas_flow.rom.columns import FLOP
        from taalas_flow.rom.liberty import PdkLiberty
        from taalas_flow.signoff.drc import run_drc
        from taalas_flow.signoff.lvs import run_lvs
        from taalas_flow.steps.sta import cell_delay
        from taalas_flow.toolchain import require_tool

        pdk = step_pdk(self.config)
        sta = require_tool("sta", "timing")
        clock_cell = str(pdk.data["chip"]["rom_clock_cell"])
        tt = PdkLiberty(pdk, "tt")
        d = Path(self.step_dir)
        qm, arch = _engine(self, state_in)
        metrics: dict[str, float] = {}
        summary = {}
        for kind in MACROS:
            info(f"ROM port {kind}: synthesis and layout")
            port, logic = lay_out_rom_port(pdk, arch, qm, kind, d / kind,
                                           self.config["TAALAS_CLOCK_PERIOD"])
            gds, cdl = write_block(port, d)
            logic_gds, _ = write_block(logic, d)
            info(f"ROM port {kind}: DRC, LVS")
            beol = run_drc(pdk, gds, d / f"{port.name}_beol.lyrdb", feol=False)
            block = run_drc(pdk, logic_gds, d / f"{logic.name}.lyrdb", feol=True)
            lvs = run_lvs(pdk, gds, cdl, d / f"lvs_{kind}", blackbox=PORT_BLACKBOX)
            # the macros' clock: the port's CLK wire, its clock buffer, the wire to the banks
            tree = port_clock_tree(pdk, port, logic.name, "CLK", CLOCK_OUT, tt)
            (d / "cell_delay").mkdir(exist_ok=True)
            buf_ns = cell_delay(sta, pdk, clock_cell, "X", "tt", d / "cell_delay",
                                load_pf=tree["load_pf"], from_pin="A")
            clock = {"pin_ns": tree["pin_ns"], "buffer_ns": buf_ns,
                     "wire_ns": tree["wire_ns"]}
            # the wiring inside the port on the chip's paths through it
            inside = port_paths(pdk, port, logic.name, tt)
            inside["dout_clk_to_q_ns"] = cell_delay(
                sta, pdk, FLOP, "Q", "tt", d / "cell_delay", load_pf=inside["dout_load_pf"])
            limit = tt.max_capacitance(clock_cell, "X")
            if tree["load_pf"] > limit:
                warn(f"ROM port {kind}: its clock buffer {clock_cell} drives "
                     f"{tree['load_pf']:.2f} pF, past its liberty max_capacitance "
                     f"{limit:.2f}: the macros' clock delay is extrapolated")
            metrics.update({
                f"taalas__rom_port__{kind}__width_um": port.width,
                f"taalas__rom_port__{kind}__height_um": port.height,
                f"taalas__rom_port__{kind}__logic_cells": logic.metrics["cells"],
                f"taalas__rom_port__{kind}__channel_tracks": port.metrics["channel_tracks"],
                f"taalas__drc__rom_port_{kind}_beol__count": beol.violations,
                f"taalas__drc__rom_port_{kind}_logic__count": block.violations,
                f"taalas__lvs__rom_port_{kind}_clean": int(lvs.clean),
                f"taalas__rom_port__{kind}__clock_load_pf": tree["load_pf"],
                f"taalas__rom_port__{kind}__clock_max_cap_pf": limit,
                **{f"taalas__rom_port__{kind}__clock_{k}": v for k, v in clock.items()},
                f"taalas__rom_port__{kind}__clock_ns": sum(clock.values()),
                **{f"taalas__rom_port__{kind}__{k}": v for k, v in inside.items()},
            })
            summary[kind] = {"gds": gds.name, **port.metrics,
                             "logic": {k: logic.metrics[k] for k in
                                       ("cells", "width_um", "height_um", "utilisation")},
                             "drc_beol": beol.by_rule, "drc_logic": block.by_rule,
                             "lvs_clean": lvs.clean, "lvs_log": str(lvs.log),
                             "clock": {**clock, "cell": clock_cell,
                                       "load_pf": tree["load_pf"], "corner": "tt"},
                             "paths_inside": {**inside, "flop": FLOP, "corner": "tt"}}
        (d / "rom_ports.json").write_text(json.dumps(summary, indent=2) + "\n")
        blocks = _blocks(state_in)
        blocks.update({f"taalas_engine_{kind}": str(d) for kind in MACROS})
        return _publish(d, blocks), metrics


# A bank tile of this many words (same width and ports) gets the full FEOL+BEOL DRC in every
# run; a column of the engine's banks gets BEOL. The tile's rows are the bank's rows (same
# cells, same order); FEOL of the full bank (minutes) is measured by
# bench/regfile_density.py.
DMEM_TILE_WORDS = 16
# Random cycles the laid-out memory's netlist runs beside the memory RTL, after every word
# has been written once.
DMEM_SIM_CYCLES = 2000


@Step.factory.register()
class DataMemory(Step):
    """The data memory (flow/regfile) for this architecture as one block: the register-file
    bank's cell netlist simulated against the memory it must be and laid out as a regular
    array, stacked into columns (the banks share their through ports by abutment), each
    column's interface (write-enable decode, read-chain links) simulated and laid out under
    it, the global logic synthesised and laid out, all of it assembled in stripes of columns
    on their channels, each stripe's inputs re-driven by its own buffers at its left end,
    folded onto a bus so the memory is about square. DRC (wiring layers on the whole
    memory, FEOL+BEOL on a 16-word tile of the bank, the interface, the drivers and the
    logic), LVS of the whole memory against its netlist, and that netlist simulated against
    the memory RTL; OpenSTA on the bank with its wiring's parasitics, and on the stripe
    drivers' cell into their load."""

    id = "Taalas.DataMemory"
    name = "Data memory"
    inputs = [ROM_IMAGE]
    outputs = [BLOCKS]
    config_vars = PDK_CONFIG_VARS + QUANT_VARS + CLOCK_VARS + [LANES_VAR]

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from librelane.logging import info, warn

        from taalas_flow.chip.clock import budget_edge_ns, pin_edge_ns
        from taalas_flow.regfile.array import WRITE_ENABLE
        from taalas_flow.regfile.bank import BankShape, render_bank_model
        from taalas_flow.regfile.column import build_column
        from taalas_flow.regfile.drivers import (
            DriverLoad,
            build_drivers,
            build_repeaters,
            driver_delays,
            driver_module,
            max_cap_violations,
            repeater_module,
            stage_delay,
        )
        from taalas_flow.regfile.equivalence import simulate_memory
        from taalas_flow.regfile.folded import build_folded, default_stripes
        from taalas_flow.regfile.interface import build_interface, interface_module
        from taalas_flow.regfile.layout import build_bank
        from taalas_flow.regfile.logic import build_logic
        from taalas_flow.regfile.logic_loads import LogicLoad, logic_delays
        from taalas_flow.regfile.logic_timing import logic_timing
        from taalas_flow.regfile.periphery import summary as periphery_summary
        from taalas_flow.regfile.read_bus import BusLoad, link_delay, stripe_chain_delay
        from taalas_flow.regfile.simulate import simulate_bank, simulate_interface
        from taalas_flow.regfile.timing import bank_timing, read_line_ns
        from taalas_flow.signoff.drc import run_drc
        from taalas_flow.signoff.lvs import run_lvs
        from taalas_flow.toolchain import require_tool

        pdk = step_pdk(self.config)
        d = Path(self.step_dir)
        _qm, arch = _engine(self, state_in)
        plan = arch.memory_plan
        shape = plan.bank
        name = shape.module("taalas_engine_rf")
        info(f"data memory: {plan.depth} x {plan.width} as {plan.banks} banks of "
             f"{shape.words} words in {plan.columns} columns; bank layout")
        bank, net, src = build_bank(pdk, shape, d / "bank", name)
        gds, _ = write_block(bank, d)
        column = build_column(pdk, bank, plan.column_banks, f"{name}_column")
        col_gds, _ = write_block(column, d)
        tile_shape = BankShape(DMEM_TILE_WORDS, shape.width, shape.read_ports)
        tile, _, _ = build_bank(pdk, tile_shape, d / "tile", f"{name}_tile")
        tile_gds, _ = write_block(tile, d)
        if_name = interface_module(plan, "taalas_engine_rf")
        iface, if_net, if_src = build_interface(pdk, plan, d / "interface", if_name,
                                                column.width)
        if_gds, _ = write_block(iface, d)
        stripes = default_stripes(pdk, plan, column, iface)
        drv_name = driver_module(plan, "taalas_engine_rf")
        drivers, drv_net, drv_src = build_drivers(pdk, plan, d / "drivers", drv_name,
                                                  iface.height, stripes)
        drv_gds, _ = write_block(drivers, d)
        rep_name = repeater_module(plan, "taalas_engine_rf")
        repeaters, rep_net, rep_src = build_repeaters(pdk, plan, d / "repeaters", rep_name,
                                                      iface.height, stripes)
        rep_gds, _ = write_block(repeaters, d)
        info(f"data memory: global logic for {stripes} stripes (synthesis, layout)")
        logic, logic_net, logic_nl = build_logic(pdk, plan, d / "logic", "taalas_engine",
                                                 float(self.config["TAALAS_CLOCK_PERIOD"]),
                                                 arch.data_addr_bits)
        logic_gds, _ = write_block(logic, d)
        info(f"data memory: {plan.columns} columns, their interfaces and the logic folded "
             "into stripes")
        array = build_folded(pdk, plan, column, iface, logic, "taalas_engine_dmem", stripes,
                             drivers=drivers, repeaters=repeaters)
        arr_gds, arr_cdl = write_block(array, d)
        info("data memory: simulation, DRC, LVS")
        sim = simulate_bank(pdk, shape, src, name, d / "sim")
        if_compared, if_mismatches, if_log = simulate_interface(
            pdk, plan.column_banks, plan.width, shape.ports, if_src, if_name, d / "sim")
        model = render_bank_model(shape, d / "sim" / f"{name}_model.v", name)
        mem_compared, mem_mismatches, mem_log = simulate_memory(
            pdk, plan, array.cdl, array.name,
            {name: (net, model), if_name: (if_net, if_src), logic.name: (logic_net, logic_nl),
             drv_name: (drv_net, drv_src), rep_name: (rep_net, rep_src)},
            arch.data_addr_bits, d / "sim_memory", cycles=DMEM_SIM_CYCLES)
        beol = run_drc(pdk, arr_gds, d / f"{array.name}_beol.lyrdb", feol=False)
        feol = run_drc(pdk, tile_gds, d / f"{name}_tile.lyrdb", feol=True)
        if_drc = run_drc(pdk, if_gds, d / f"{if_name}.lyrdb", feol=True)
        logic_drc = run_drc(pdk, logic_gds, d / f"{logic.name}.lyrdb", feol=True)
        drv_drc = run_drc(pdk, drv_gds, d / f"{drv_name}.lyrdb", feol=True)
        rep_drc = run_drc(pdk, rep_gds, d / f"{rep_name}.lyrdb", feol=True)
        lvs = run_lvs(pdk, arr_gds, arr_cdl, d / "lvs", blackbox="sky130_fd_sc_hd__*")
        timing = bank_timing(pdk, bank, net, src, d / "sta", self.config["TAALAS_CLOCK_PERIOD"],
                             plan.column_banks, shape.ports)
        # at tt, like the bank's read that the chip's timing adds it to
        loads = {st: {n: DriverLoad(**v) for n, v in by.items()}
                 for st, by in array.metrics["driver_loads"].items()}
        sta = require_tool("sta", "timing")
        # the memory's own wiring from its pins to the stripes' drivers and the logic, and
        # from the read registers out (regfile/periphery.py, Elmore, tt)
        periph = periphery_summary(array.metrics["periphery"], drivers.name, logic.name)
        # the clock's edge at the stripes' clock drivers: the chip pin's own at the nearest
        # (no wire is a lower bound), at the farthest slowed by the chip's wire at its
        # budget and the memory's bus
        clock_edges = (pin_edge_ns(pdk, 0.0),
                       budget_edge_ns(pdk, periph.get("bus_clk_drivers_ns", 0.0)))
        drive = driver_delays(sta, pdk, loads, "tt", d / "sta_drivers", clock_edges)
        # hold is worst at ff: the write's drivers and the banks' own hold there too
        drive_ff = driver_delays(sta, pdk, loads, "ff", d / "sta_drivers_ff", clock_edges)
        timing_ff = bank_timing(pdk, bank, net, src, d / "sta_ff",
                                self.config["TAALAS_CLOCK_PERIOD"], plan.column_banks,
                                shape.ports, "ff")
        rf = pdk.data["regfile"]
        chain = stripe_chain_delay(
            sta, pdk, {st: {n: DriverLoad(**v) for n, v in by.items()}
                       for st, by in array.metrics["read_chain"].items()},
            array.metrics["chain_links"], "tt", d / "sta_read_chain")
        links = link_delay(sta, pdk,
                           {n: BusLoad(**v) for n, v in array.metrics["read_links"].items()},
                           array.metrics["stripes"], "tt", d / "sta_read_links")
        line_loads = {n: LogicLoad(**v) for n, v in array.metrics["logic_loads"].items()}
        logic_out = logic_delays(sta, pdk, line_loads, "tt", d / "sta_logic_out")
        # the whole logic into those loads: each line's decode, and the read registers' capture
        logic_t = logic_timing(sta, pdk, plan, logic, logic_net, logic_nl, line_loads,
                               float(self.config["TAALAS_CLOCK_PERIOD"]), d / "sta_logic", "tt")
        # the interfaces' outputs: each bank's write enable, each read port's select
        iface_loads = [(n, DriverLoad(**v)) for by in array.metrics["interface_loads"].values()
                       for n, v in by.items()]
        iface_out = {"write_enable": stage_delay(
            sta, pdk, str(rf["write_enable_cell"]), "X",
            [ld for n, ld in iface_loads if WRITE_ENABLE.fullmatch(n)], "tt",
            d / "sta_write_enable")}
        for p in shape.ports:
            iface_out[f"select_{p.lower()}"] = stage_delay(
                sta, pdk, str(rf["select_cell"]), "X",
                [ld for n, ld in iface_loads if n == f"sel_{p}"], "tt", d / f"sta_select_{p}")
        stages = {**{f"drive_{g.lower()}": v for g, v in drive.items()},
                  **iface_out,
                  **{f"logic_{g.lower()}": v for g, v in logic_out.items()},
                  "read_chain": chain, "read_links": links}
        over = max_cap_violations(stages)
        if over:
            warn("data memory: loads past their cell's liberty max_capacitance (tt), delays "
                 "extrapolated: " + ", ".join(f"{k} {v['load_pf']:.2f} pF > "
                                             f"{v['max_cap_pf']:.2f}" for k, v in over.items()))
        bank_um2 = bank.width * bank.height
        metrics = {
            "taalas__dmem__words": plan.depth,
            "taalas__dmem__banks": plan.banks,
            "taalas__dmem__columns": plan.columns,
            "taalas__dmem__bank_width_um": bank.width,
            "taalas__dmem__bank_height_um": bank.height,
            "taalas__dmem__bank_cells": bank.metrics["cells"],
            "taalas__dmem__bank_utilisation": bank.metrics["utilisation"],
            "taalas__dmem__bank_um2_per_bit": bank_um2 / shape.bits,
            "taalas__dmem__column_width_um": column.width,
            "taalas__dmem__column_height_um": column.height,
            "taalas__dmem__columns_area_mm2": plan.columns * column.width * column.height
            * 1e-6,
            "taalas__dmem__width_um": array.width,
            "taalas__dmem__height_um": array.height,
            "taalas__dmem__area_mm2": array.width * array.height * 1e-6,
            "taalas__dmem__channel_tracks": array.metrics["channel_tracks"],
            "taalas__dmem__stripes": array.metrics["stripes"],
            "taalas__dmem__interface_cells": iface.metrics["cells"],
            "taalas__dmem__logic_cells": logic.metrics["cells"],
            "taalas__dmem__bank_read_ns": timing.read_ns,
            "taalas__dmem__read_line_ns": read_line_ns(
                timing, plan.column_banks,
                max(v for k, v in column.metrics["port_ohm"].items() if k.startswith("RD_"))),
            "taalas__dmem__bank_setup_ws_ns": timing.setup_ws_ns,
            "taalas__dmem__bank_hold_ws_ns": timing.hold_ws_ns,
            "taalas__dmem__bank_hold_ws_ff_ns": timing_ff.hold_ws_ns,
            "taalas__dmem__clock_edge_at_drivers_ns": clock_edges[1],
            "taalas__dmem__driver_cells": drivers.metrics["cells"],
            "taalas__dmem__repeater_cells": repeaters.metrics["cells"],
            "taalas__dmem__drivers_width_um": drivers.width,
            "taalas__dmem__drivers_height_um": drivers.height,
            "taalas__dmem__repeaters_width_um": repeaters.width,
            "taalas__dmem__read_chain_ns": chain["ns"],
            "taalas__dmem__read_chain_link_ns": chain["link_ns"],
            "taalas__dmem__read_chain_links": chain["links"],
            "taalas__dmem__read_chain_pf": chain["load_pf"],
            "taalas__dmem__read_links_ns": links["ns"],
            "taalas__dmem__read_links_link_ns": links["link_ns"],
            "taalas__dmem__read_links_pf": links["load_pf"],
            **{f"taalas__dmem__{k}_ns": v["ns"] for k, v in iface_out.items()},
            **{f"taalas__dmem__{k}_pf": v["load_pf"] for k, v in iface_out.items()},
            **{f"taalas__dmem__drive_{g.lower()}_ns": v["ns"] for g, v in drive.items()},
            **{f"taalas__dmem__drive_{g.lower()}_pf": v["load_pf"] for g, v in drive.items()},
            **{f"taalas__dmem__drive_{g.lower()}_earliest_ns": v["earliest_ns"]
               for g, v in drive.items()},
            **{f"taalas__dmem__drive_{g.lower()}_ff_ns": v["ns"] for g, v in drive_ff.items()},
            **{f"taalas__dmem__drive_{g.lower()}_earliest_ff_ns": v["earliest_ns"]
               for g, v in drive_ff.items()},
            **{f"taalas__dmem__logic_{g.lower()}_ns": v["ns"] for g, v in logic_out.items()},
            **{f"taalas__dmem__logic_{g.lower()}_pf": v["load_pf"]
               for g, v in logic_out.items()},
            # a line whole: the logic's decode into its load, then the line's Elmore delay
            **{f"taalas__dmem__logic_{g.lower()}_line_ns": logic_t["out_ns"][g] + v["wire_ns"]
               for g, v in logic_out.items() if g in logic_t["out_ns"]},
            **{f"taalas__dmem__read_capture_{b[2:].lower()}_ns": v
               for b, v in logic_t["capture_ns"].items()},
            **{f"taalas__dmem__{k}_max_cap_pf": v["max_cap_pf"] for k, v in stages.items()},
            "taalas__dmem__max_cap_violations": len(over),
            **{f"taalas__dmem__{k}": v for k, v in periph.items()},
            "taalas__sim__dmem_bank__mismatches": sim.mismatches,
            "taalas__sim__dmem_bank__compared": sim.compared,
            "taalas__sim__dmem_interface__mismatches": if_mismatches,
            "taalas__sim__dmem_interface__compared": if_compared,
            "taalas__sim__dmem__mismatches": mem_mismatches,
            "taalas__sim__dmem__compared": mem_compared,
            "taalas__drc__dmem_logic__count": logic_drc.violations,
            "taalas__drc__dmem_beol__count": beol.violations,
            "taalas__drc__dmem_bank_tile__count": feol.violations,
            "taalas__drc__dmem_interface__count": if_drc.violations,
            "taalas__drc__dmem_drivers__count": drv_drc.violations,
            "taalas__drc__dmem_repeaters__count": rep_drc.violations,
            "taalas__lvs__dmem_clean": int(lvs.clean),
        }
        summary = {"plan": {"depth": plan.depth, "width": plan.width, "banks": plan.banks,
                            "columns": plan.columns, "column_banks": plan.column_banks,
                            "spare_words": plan.words - plan.depth},
                   "bank": {"module": name, "gds": gds.name, **bank.metrics},
                   "column": {"gds": col_gds.name, **column.metrics},
                   "tile": {"gds": tile_gds.name, "words": DMEM_TILE_WORDS},
                   "interface": {"gds": if_gds.name, **iface.metrics},
                   "memory": {"gds": arr_gds.name, **array.metrics},
                   "logic": {"gds": logic_gds.name, **logic.metrics},
                   "drivers": {"gds": drv_gds.name,
                               "cell": pdk.data["regfile"]["input_buffer_cell"],
                               **drivers.metrics, "delay_tt": drive, "delay_ff": drive_ff,
                               "clock_edges_ns": clock_edges},
                   "repeaters": {"gds": rep_gds.name, "cell": rf["read_repeater_cell"],
                                 **repeaters.metrics},
                   "logic_outputs": {"delay_tt": logic_out, "logic_sta_tt": logic_t},
                   "read_bus": {"stripe_chain": {"cell": rf["chain_cell"], "delay_tt": chain},
                                "stripe_links": {"cell": rf["read_repeater_cell"],
                                                 "delay_tt": links}},
                   "interface_simulation": {"compared": if_compared,
                                            "mismatches": if_mismatches, "log": str(if_log)},
                   "memory_simulation": {"cycles_compared": mem_compared,
                                         "mismatches": mem_mismatches, "log": str(mem_log)},
                   "simulation": {"compared": sim.compared, "released": sim.released,
                                  "mismatches": sim.mismatches, "log": str(sim.log)},
                   "drc_memory_beol": beol.by_rule, "drc_tile": feol.by_rule,
                   "drc_interface": if_drc.by_rule, "drc_logic": logic_drc.by_rule,
                   "drc_drivers": drv_drc.by_rule, "drc_repeaters": rep_drc.by_rule,
                   "lvs_clean": lvs.clean, "lvs_log": str(lvs.log),
                   "timing": {"read_ns": timing.read_ns, "setup_ws_ns": timing.setup_ws_ns,
                              "hold_ws_ns": timing.hold_ws_ns,
                              "hold_ws_ff_ns": timing_ff.hold_ws_ns,
                              "column_load_pf": timing.column_load_pf,
                              "log": str(timing.log)}}
        (d / "data_memory.json").write_text(json.dumps(summary, indent=2) + "\n")
        blocks = _blocks(state_in)
        blocks[array.name] = str(d)
        return _publish(d, blocks), metrics


# Cells compared as black boxes in the chip's LVS: every block's standard-cell copies (renamed
# apart from the ROM macros' device-level cells) and the ROM bank macros.
CHIP_BLACKBOX = PORT_BLACKBOX


def _dmem(state_in: State, metric: str) -> float | None:
    """The data-memory step's metric taalas__dmem__<metric> (a Decimal in the state), if it
    ran."""
    v = state_in.metrics.get(f"taalas__dmem__{metric}")
    return None if v is None else float(v)


def _write_hold_figures(state_in: State, corner: str
                        ) -> tuple[float, float, dict[str, float]] | None:
    """What chip/timing.memory_write_hold takes from the data memory at `corner` (tt or ff):
    the latest its stripes' clock drivers bring the clock to a bank, the bank's hold slack,
    and each re-driven write input's earliest driver delay; none when its step did not
    measure them (before session 24 at ff)."""
    at = "" if corner == "tt" else f"_{corner}"
    clock_late = _dmem(state_in, f"drive_clk{at}_ns")
    bank_hold = _dmem(state_in, f"bank_hold_ws{at}_ns")
    if clock_late is None or bank_hold is None:
        return None
    early = {p: v for p in ("wa", "wd")
             if (v := _dmem(state_in, f"drive_{p}_earliest{at}_ns")) is not None}
    return clock_late, bank_hold, early


def _write_out_min(pdk, state_in: State) -> dict[str, float]:
    """chip/timing.memory_write_out_min from the data memory's metrics, the most any hold
    corner asks (none before its step has them): how soon the core's wa, wd and we may
    change after its clock edge."""
    from taalas_flow.chip.timing import HOLD_CORNERS, memory_write_out_min
    from taalas_flow.pnr.buffering import BufferPolicy

    pol = BufferPolicy.of(pdk)
    out: dict[str, float] = {}
    for c in HOLD_CORNERS:
        if (fig := _write_hold_figures(state_in, c)) is None:
            continue
        clock_late, bank_hold, early = fig
        for p, v in memory_write_out_min(early, clock_late, bank_hold,
                                         _dmem(state_in, "bus_clk_drivers_ns"),
                                         pol.input_hold_early_ns, pol.hold_margin_ns).items():
            out[p] = max(out.get(p, v), v)
    return out


@Step.factory.register()
class ChipTop(Step):
    """The chip: the engine core laid out by flow/pnr, placed with the data memory and the
    ROM ports (as their steps wrote them) on a die, wired on one channel and the met4 lines
    beside the core, with power rails and pins at the die edge (chip/top.py). DRC of the
    wiring layers and of the FEOL layers on the whole chip, and LVS of the whole chip
    against the engine top's netlist (the blocks' device checks are their steps')."""

    id = "Taalas.ChipTop"
    name = "Chip top"
    inputs = [ROM_IMAGE, DesignFormat.NETLIST, BLOCKS]
    outputs = [CHIP_GDS]
    config_vars = PDK_CONFIG_VARS + QUANT_VARS + CLOCK_VARS + [LANES_VAR] + \
        [v for v in ROM_VARS if v.name == "TAALAS_XOR_MODEL_DIR"]

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from librelane.logging import info, warn

        from taalas_flow.chip.clock import pin_edge_ns
        from taalas_flow.chip.timing import (
            BOUND_CORNERS,
            HOLD_CORNERS,
            binding_path,
            interblock_hold,
            interblock_paths,
            memory_write_hold,
            rom_read_timing,
        )
        from taalas_flow.chip.wires import CdlDrivers
        from taalas_flow.pnr.netlist import read_gate_netlist
        from taalas_flow.pnr.parasitics import net_rc
        from taalas_flow.toolchain import require_tool

        pdk = step_pdk(self.config)
        d = Path(self.step_dir)
        nl = Path(str(state_in[DesignFormat.NETLIST]))
        module = nl.name.split(".")[0]
        info(f"chip top: {module} placed, buffered and laid out by flow/pnr")
        synthesised = read_gate_netlist(nl, module, pdk.data["std_cell_library"] + "__")
        clock = self.config["TAALAS_CLOCK_PORT"]
        sta = require_tool("sta", "timing")
        period = float(self.config["TAALAS_CLOCK_PERIOD"])
        qm, arch = _engine(self, state_in)
        # The ROM macros' read (ngspice, minutes, one process) runs beside the core's layout and
        # the chip's signoff; on a failure there the step waits for it before it stops.
        with ThreadPoolExecutor(max_workers=1) as spice:
            rom_job = spice.submit(rom_read_timing, pdk, arch, BOUND_CORNERS,
                                   d / "rom_timing")
            core, closed, core_timing = self._core(pdk, synthesised, module, clock, sta,
                                                   period, d, _write_out_min(pdk, state_in))
            timing = core_timing.slacks
            chip, gds, drc, feol, lvs = self._chip(pdk, core, state_in, d)
            chip_xor, chip_readback = self._personalisation(pdk, qm, arch, gds, d)
            # one walk of the chip's CDL (30 MB for tiny-llama) for the ports and the clock
            walk = CdlDrivers(pdk, chip.cdl, chip.net_pf)
            clock_at, clock_net, rom_edges = self._clock(pdk, core, chip, walk, clock,
                                                         state_in, sta, d)
            # the core's ports timed with the clock's edge as the chip's wire gives it
            core_edge = pin_edge_ns(pdk, clock_at["core"][1])
            ports, wire_ns, drivers, wires, met, drives = self._ports(
                pdk, core, closed.net, chip, walk, module, clock, sta, period, d,
                BOUND_CORNERS, core_edge)
            rom_t = rom_job.result()
        buffered = closed.buffered

        def dmem(metric: str) -> float | None:
            return _dmem(state_in, metric)

        bank_read = dmem("bank_read_ns")
        drive_cell = str(pdk.data["regfile"]["input_buffer_cell"])
        memory_drive = {p: (drive_cell, v) for p in ("ra_addr", "rb_addr", "wa", "wd")
                        if (v := dmem(f"drive_{p}_ns")) is not None}
        rf = pdk.data["regfile"]
        # the farthest column's bits through its stripe's chain, then every stripe's repeater
        read_bus = {label: v for label, metric in (
            (f"stripe read chain, {dmem('read_chain_links') or 0:.0f} x {rf['chain_cell']} "
             "and link wire: the worst link, the first from its worst input, the rest from "
             "the chain input (tt)", "read_chain_ns"),
            (f"stripes' read links, {dmem('stripes') or 0:.0f} x {rf['read_repeater_cell']} "
             "and bus wire to the read registers: the worst link, the first from its worst "
             "input, the rest from the chain input (tt)", "read_links_ns"))
            if (v := dmem(metric)) is not None}
        # the logic's gate before its read registers and their setup, the slower port's
        capture = {}
        if got := [v for p in ("a", "b") if (v := dmem(f"read_capture_{p}_ns")) is not None]:
            capture = {"read register: the logic's gate and setup, less its clock latency (tt)":
                       max(got)}
        read_bus.update(capture)
        # the bank's write inputs' setup, timed at the same period as the core
        bank_setup = dmem("bank_setup_ws_ns")
        bank_write = None if bank_setup is None else period - bank_setup
        # the memory's clock, re-driven in each stripe: at the banks by at least
        # drive_clk_earliest_ns (a write's setup is credited that much)
        clock_early = dmem("drive_clk_earliest_ns")
        # the lines the memory's global logic drives across it, per core port decoded
        # onto them: the slowest line of each, as the logic's decode into it and its wire
        def line(g: str) -> tuple[str, float] | None:
            if (v := dmem(f"logic_{g}_line_ns")) is not None:
                return f"memory logic's decode and {g.upper()} line (tt)", v
            return None

        if dmem("logic_sh_a_ns") is not None and line("sh_a") is None:
            warn("the data memory's metrics predate its logic's timing (no "
                 "logic_<line>_line_ns): its decoded paths are left out of the chip's timing; "
                 "rerun with --from Taalas.DataMemory")

        # then the interface gate the line enables: a read port's select, a bank's write enable
        gate = {port: {f"interface {what} ({cell}) into its load (tt)": v}
                if (v := dmem(metric)) is not None else {}
                for port, what, cell, metric in (
                    ("ra_addr", "select", rf["select_cell"], "select_a_ns"),
                    ("rb_addr", "select", rf["select_cell"], "select_b_ns"),
                    ("wa", "write enable", rf["write_enable_cell"], "write_enable_ns"),
                    ("we", "write enable", rf["write_enable_cell"], "write_enable_ns"))}
        lines = {}
        for port, groups in (("ra_addr", ("sh_a", "sl_a")), ("rb_addr", ("sh_b", "sl_b")),
                             ("wa", ("sh_w", "sl_w")), ("we", ("web",))):
            if found := [lv for g in groups if (lv := line(g)) is not None]:
                slow = max(found, key=lambda lv: lv[1])
                lines[port] = {slow[0]: slow[1], **gate[port]}
        mbus, rom_inside = self._block_wiring(pdk, state_in, wires)
        interblock, write_hold = {}, {}
        for c in BOUND_CORNERS:
            paths = interblock_paths(
                ports[c], {k: v[c] for k, v in rom_t.items()}, bank_read, period,
                period - timing[c]["timing__setup__ws"], wire_ns, drivers[c], memory_drive,
                bank_write, read_bus, clock_early, lines, clock_at, mbus, rom_inside,
                dmem("read_line_ns"))
            name, need = binding_path(paths)
            interblock[c] = {"paths": paths, "binding": name, "period_ns": need}
        # the memory's writes held at its banks, at every hold corner it was measured at
        for c in HOLD_CORNERS:
            if (fig := _write_hold_figures(state_in, c)) is not None:
                clock_late, bank_hold, data_early = fig
                write_hold[c] = memory_write_hold(ports[c]["out_min"], data_early,
                                                  clock_late, bank_hold, clock_at,
                                                  mbus.get("bus_clk_drivers_ns"))
        # hold between blocks: into the core, and the core's ROM addresses into the macros
        from taalas_flow.rom.columns import FLOP
        from taalas_flow.rom.liberty import PdkLiberty

        hold: dict[str, dict] = {}
        for c in HOLD_CORNERS:
            flop_hold = PdkLiberty(pdk, c).constraint(FLOP, "D", "hold_rising")
            hold[c] = interblock_hold(ports[c], clock_at, dict.fromkeys(rom_t, flop_hold))
        short = sorted({p for by in hold.values() for p, v in by.items() if v["slack_ns"] < 0})
        if short:
            warn("chip: hold between blocks not shown met (a lower bound below 0) on "
                 + ", ".join(short[:8]) + (" ..." if len(short) > 8 else ""))
        over = {p: v for p, v in drives.items() if v.over}
        if over:
            warn("chip: nets between blocks past their driver's liberty max_capacitance (tt), "
                 "delays extrapolated: " + ", ".join(
                     f"{p} {v.cell} {v.load_pf:.2f} pF > {v.max_cap_pf:.2f}"
                     for p, v in list(over.items())[:8]) + (" ..." if len(over) > 8 else ""))
        m = chip.metrics
        wire_c = sum(net_rc(pdk, core, n)[1] for n in core.pins)
        metrics = {
            "taalas__chip__width_um": chip.width,
            "taalas__chip__height_um": chip.height,
            "taalas__chip__area_mm2": m["area_mm2"],
            "taalas__chip__core_area_mm2": m["core_um2"] * 1e-6,
            "taalas__chip__dmem_area_mm2": m["dmem_um2"] * 1e-6,
            "taalas__chip__rom_ports_area_mm2": (m["wrom_um2"] + m["prom_um2"]) * 1e-6,
            "taalas__chip__core_cells": core.metrics["cells"],
            "taalas__chip__core_width_um": core.width,
            "taalas__chip__core_height_um": core.height,
            "taalas__chip__core_utilisation": core.metrics["utilisation"],
            "taalas__chip__core_buffers": len(buffered.buffers),
            "taalas__chip__core_clock_buffers": buffered.clock_buffers,
            "taalas__chip__core_resized": sum(closed.resized),
            "taalas__chip__core_hold_cells": closed.hold_cells,
            "taalas__chip__core_hold_short_pins": len(core_timing.short_hold),
            "taalas__chip__core_wire_cap_pf": wire_c,
            "taalas__chip__core_port_buffers": buffered.port_buffers,
            "taalas__chip__port_max_cap_violations": len(over),
            "taalas__chip__port_load_max_pf": max((v.load_pf for v in drives.values()),
                                                  default=0.0),
            **{f"taalas__sta__core__{kind}_ws_{corner}_ns": v[f"timing__{kind}__ws"]
               for corner, v in timing.items() for kind in ("setup", "hold")},
            "taalas__sta__core__period_ns": period,
            "taalas__sta__core__fmax_mhz": 1000.0 / (period - timing["tt"]["timing__setup__ws"]),
            "taalas__sta__core__fmax_ss_mhz":
                1000.0 / (period - timing["ss"]["timing__setup__ws"]),
            **{f"taalas__sta__chip__period_bound_{c}_ns": v["period_ns"]
               for c, v in interblock.items()},
            **{f"taalas__sta__chip__fmax_bound_{c}_mhz": 1000.0 / v["period_ns"]
               for c, v in interblock.items()},
            **{f"taalas__sta__chip__hold_bound_{c}_ns": min(v["slack_ns"] for v in by.values())
               for c, by in hold.items() if by},
            **{f"taalas__sta__chip__dmem_write_hold_bound_{c}_ns":
               min(h["slack_ns"] for h in by.values()) for c, by in write_hold.items() if by},
            **{f"taalas__rom__{kind}_read_ns_{c}": t["setup_pre_ns"]
               for kind, by in rom_t.items() for c, t in by.items()},
            "taalas__chip__channel_tracks": m["channel_tracks"],
            "taalas__chip__wire_max_mm": max(w.um for w in wires.values()) * 1e-3,
            "taalas__chip__wire_max_pf": max(w.pf for w in wires.values()),
            "taalas__chip__wire_max_elmore_ns": max(wire_ns.values()),
            **{f"taalas__chip__clock_at_{b}_ns": t for b, (_w, t) in clock_at.items()},
            "taalas__chip__clock_transition_at_core_ns": core_edge,
            **{f"taalas__chip__clock_transition_at_{r}_buffer_ns": v
               for r, v in rom_edges.items()},
            "taalas__chip__clock_skew_ns": max(t for _w, t in clock_at.values())
            - min(t for _w, t in clock_at.values()),
            "taalas__chip__pins": m["pins"],
            "taalas__drc__chip_beol__count": drc.violations,
            "taalas__drc__chip_feol__count": feol.violations,
            "taalas__lvs__chip_clean": int(lvs.clean),
            "taalas__rom__chip_readback_ok": int(chip_readback),
            "taalas__xor__chip_non_personalisation_layers": len(chip_xor.foreign_layers),
            "taalas__xor__chip_personalisation_diff_count": chip_xor.allowed_diff_count,
        }
        (d / "chip.json").write_text(json.dumps(
            {"gds": gds.name, **m, "core": core.metrics, "drc_beol": drc.by_rule,
             "timing": timing, "port_timing": ports, "buffers": len(buffered.buffers),
             "nets_buffered": buffered.nets_buffered, "resized": closed.resized,
             "hold_cells": closed.hold_cells,
             "port_drives": {p: {"cell": v.cell, "pin": v.pin, "load_pf": v.load_pf,
                                 "max_cap_pf": v.max_cap_pf} for p, v in drives.items()},
             "interblock": interblock, "rom_timing": rom_t, "dmem_write_hold": write_hold,
             "interblock_hold": hold,
             "clock_at": {b: {"what": w, "ns": t} for b, (w, t) in clock_at.items()},
             "clock_net": clock_net,
             "chip_wires": {n: {"um": w.um, "ohm": w.ohm, "pf": w.pf,
                                "beyond_pins_pf": met.get(n, (0.0, 0.0))[0],
                                "beyond_wire_pf": met.get(n, (0.0, 0.0))[1]}
                            for n, w in sorted(wires.items())},
             "spef": f"{module}.spef",
             "drc_feol": feol.by_rule,
             "lvs_clean": lvs.clean, "lvs_log": str(lvs.log),
             "readback_ok": chip_readback, "xor_differing": chip_xor.differing},
            indent=2) + "\n")
        return {CHIP_GDS: LLPath(str(gds))}, metrics

    def _core(self, pdk, synthesised, module: str, clock: str, sta: str, period: float,
              d: Path, write_out_min: dict[str, float]):
        """The core laid out for timing and its STA (setup, hold) at every corner: (block,
        ClosedBlock, CornerTiming of the final layout, its inputs' hold included, and its
        write outputs' to the memory: `write_out_min`, per port, how soon after the edge
        at the core's clock pin it may first change). The Verilog and SPEF the STA read
        are left in the step directory (<module>.buffered.v, <module>.spef)."""
        from librelane.logging import info, warn

        from taalas_flow.chip.clock import budget_edge_ns
        from taalas_flow.pnr.buffering import (
            BufferPolicy,
            PinLoads,
            hold_cells_needed,
            port_buffer_inputs,
        )
        from taalas_flow.pnr.closure import lay_out_for_timing
        from taalas_flow.pnr.netlist import write_verilog
        from taalas_flow.pnr.parasitics import write_spef
        from taalas_flow.steps.sta import CORNERS, cell_delay, corner_timing

        core_v, core_spef = d / f"{module}.buffered.v", d / f"{module}.spef"
        timed: list = []        # the timing of the layout the hold check last saw
        pol = BufferPolicy.of(pdk)
        (d / "cell_delay").mkdir(exist_ok=True)
        # one delay cell's earliest delay into the next one, per corner: what a short
        # register input's chain is counted in
        dly = {c: cell_delay(sta, pdk, pol.hold_cell, "X", c, d / "cell_delay",
                             load_pf=PinLoads(pdk).cap(pol.hold_cell, "A"), earliest=True)
               for c in CORNERS}
        # before the chip exists, its clock wire to the core is taken at its budget: the
        # edge at the core's clock pin is what the end of such a wire gives
        edge = budget_edge_ns(pdk)
        out_min = {p: v for p in synthesised.ports
                   if (v := write_out_min.get(p.split("[", 1)[0])) is not None}

        def time_core(net, block, hold: bool = False):
            write_verilog(net, core_v)
            nets = write_spef(pdk, block, net, core_spef)
            info(f"chip top: OpenSTA on the core with its wiring ({nets} nets in the SPEF)")
            # the core's inputs come from the other blocks and the chip's pins, its write
            # outputs go to the memory's banks: their hold counts too (pdk
            # logic.buffering.input_hold_early_ns, chip/timing.memory_write_out_min)
            timed.append(corner_timing(
                sta, pdk, str(core_v), module, str(core_spef), period, clock, d,
                hold_margin=pol.hold_margin_ns if hold else None,
                input_early=pol.input_hold_early_ns if hold else None,
                output_min=out_min if hold else None, clock_transition=edge))
            return timed[-1]

        def hold_check(net, block) -> dict[tuple[str, str], int]:
            slack = time_core(net, block, hold=True).hold_slack
            # an output port's delay cells go ahead of its port buffer
            at = port_buffer_inputs(net, sorted(p for p, pin in slack if pin == ""))
            return hold_cells_needed({at[p] if pin == "" else (p, pin): v
                                      for (p, pin), v in slack.items()},
                                     pol.hold_margin_ns, dly)

        closed = lay_out_for_timing(
            pdk, synthesised, module, clock, progress=info,
            hold_check=hold_check,
            port_buffers=True)
        core = closed.block
        write_block(core, d)
        # delay cells changed the layout the hold check timed: time the final one
        if not closed.hold_settled:
            left = time_core(closed.net, core, hold=True).short_hold
            if left:
                warn(f"chip top: {len(left)} of the core's register inputs still short of "
                     f"the hold margin after {pol.hold_passes} passes of delay cells")
            else:
                info(f"chip top: every register input of the core has its hold margin after "
                     f"the last of {pol.hold_passes} passes of delay cells")
        return core, closed, timed[-1]

    def _ports(self, pdk, core, net, chip, walk, module: str, clock: str, sta: str,
               period: float,
               d: Path, bound_corners: tuple[str, ...], clock_transition: float):
        """The core's share of every path through its ports at every corner, timed with what
        the chip puts on each port (chip/wires.py); per port (bus, worst bit) the chip wire's
        Elmore delay; per bound corner and port the cells of the other block that drive it
        with their delays (the driver unloaded, a cell before its port buffer into it);
        every chip net's wire; and per port bit the driver of its
        whole net and that net's load (chip/port_drive.py, `net` the core's netlist as laid
        out); the core's clock pin gets the edge `clock_transition` (ns, 20-80 %).
        chip/timing.py adds the other blocks' share."""
        from taalas_flow.chip.port_drive import port_drives
        from taalas_flow.chip.wires import chip_wires
        from taalas_flow.layout.stdcells import StdCellLibrary
        from taalas_flow.pnr.block import cdl_names
        from taalas_flow.pnr.buffering import BufferPolicy, PinLoads
        from taalas_flow.pnr.parasitics import net_rc
        from taalas_flow.rom.liberty import PdkLiberty
        from taalas_flow.steps.sta import CORNERS, cell_delay, port_timing

        spell = cdl_names(sorted(core.ports))
        wires = chip_wires(pdk, chip)
        inputs = {p for p, (x, _y) in core.ports.items() if x == 0.0 and p != clock}
        # a block's port buffer is looked through to the cell before it (its delay counts)
        paths = walk.driver_paths_outside(chip.name, core.name, [spell[p] for p in inputs],
                                          frozenset({BufferPolicy.of(pdk).port_cell}))
        # what each net meets in the other blocks (every cell input on it and their wiring
        # of it, at any depth); a chip pin's net meets the config's stand-in for one gate
        met = walk.beyond(chip.name, core.name, [spell[p] for p in core.ports],
                          PdkLiberty(pdk, "tt"))
        stand_in = float(pdk.data["synthesis"]["output_load_pf"])
        rx = {p: sum(met[spell[p]]) or stand_in for p in core.ports}
        # an output charges its wire and what it meets; an input's driver its wire (the
        # core's side of the net is in its SPEF)
        loads = {p: wires[spell[p]].pf + (0.0 if p in inputs else rx[p])
                 for p in core.ports if p != clock and spell[p] in wires}
        drivers = {p: paths[spell[p]][-1] for p in inputs if spell[p] in paths}
        drives = port_drives(StdCellLibrary(pdk), PinLoads(pdk), net,
                             lambda p: net_rc(pdk, core, p)[1],
                             {p: wires[spell[p]].pf + rx[p] for p in core.ports
                              if p != clock and spell[p] in wires}, drivers)
        core_v, core_spef = d / f"{module}.buffered.v", d / f"{module}.spef"
        ports = {c: port_timing(sta, pdk, str(core_v), module, str(core_spef), period, clock, d,
                                c, loads=loads, drivers=drivers,
                                clock_transition=clock_transition) for c in CORNERS}

        def bus(p: str) -> str:
            return p.split("[", 1)[0]

        wire_ns: dict[str, float] = {}
        for p in loads:
            wire_ns[bus(p)] = max(wire_ns.get(bus(p), 0.0),
                                  wires[spell[p]].elmore_ns(stand_in if p in inputs else rx[p]))
        (d / "cell_delay").mkdir(exist_ok=True)
        pin_loads = PinLoads(pdk)
        delays: dict[tuple[str, str, float, str], float] = {}

        def stages(path: list[tuple[str, str]], corner: str) -> list[tuple[str, float]]:
            """Each cell's delay: into the next one's input A (the wire between them inside
            the block left out), the last unloaded."""
            out = []
            for k, (cell, pin) in enumerate(path):
                load = pin_loads.cap(path[k + 1][0], "A") if k + 1 < len(path) else 0.0
                key = (cell, pin, load, corner)
                if key not in delays:
                    delays[key] = cell_delay(sta, pdk, cell, pin, corner, d / "cell_delay",
                                             load_pf=load)
                out.append((cell, delays[key]))
            return out

        by_corner: dict[str, dict[str, list[tuple[str, float]]]] = {}
        for c in bound_corners:
            worst: dict[str, list[tuple[str, float]]] = {}
            for p in drivers:
                got = stages(paths[spell[p]], c)
                if bus(p) not in worst or sum(v for _c, v in got) > \
                        sum(v for _c, v in worst[bus(p)]):
                    worst[bus(p)] = got
            by_corner[c] = worst
        return (ports, wire_ns, by_corner, wires, {spell[p]: met[spell[p]] for p in core.ports},
                drives)

    def _block_wiring(self, pdk, state_in: State, wires: dict
                      ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
        """The blocks' own wiring on the paths through them, from their steps' metrics: the
        data memory's (regfile/periphery.summary's figures; its read data's way out gets the
        chip's load beyond the pin, the worst bit's chip wire and one gate input) and each
        ROM port's (Taalas.RomPorts' addr_wire_ns, dout_wire_ns, dout_clk_to_q_ns)."""
        from librelane.logging import warn

        from taalas_flow.engine.rom_macros import MACROS

        got = {k: float(v) for k, v in state_in.metrics.items()
               if k.startswith(("taalas__dmem__", "taalas__rom_port__"))}
        pre = "taalas__dmem__"
        mbus = {k.removeprefix(pre): v for k, v in got.items() if k.startswith(pre + "bus_")}
        stand_in = float(pdk.data["synthesis"]["output_load_pf"])
        for g in ("ra_data", "rb_data"):
            ns, ohm = got.get(f"{pre}read_out_{g}_ns"), got.get(f"{pre}read_out_{g}_ohm")
            if ns is not None and ohm is not None:
                beyond = max((w.pf for n, w in wires.items() if n.startswith(g + "_")),
                             default=0.0) + stand_in
                mbus[f"read_out_{g}_ns"] = ns + ohm * beyond * 1e-3
        rom_inside = {}
        for kind in MACROS:
            pre = f"taalas__rom_port__{kind}__"
            rom_inside[kind] = {k: got[pre + k] for k in
                                ("addr_wire_ns", "dout_wire_ns", "dout_clk_to_q_ns")
                                if pre + k in got}
        if not mbus or not all(rom_inside.values()):
            warn("the data memory's or the ROM ports' metrics predate their own wiring's "
                 "timing (no taalas__dmem__bus_* / taalas__rom_port__<kind>__addr_wire_ns): "
                 "the chip's paths leave it out; rerun with --from Taalas.RomPorts")
        return mbus, rom_inside

    def _clock(self, pdk, core, chip, walk, clock: str, state_in: State, sta: str, d: Path
               ) -> tuple[dict[str, tuple[str, float]], dict[str, float], dict[str, float]]:
        """Where the chip's clock edge reaches each block after the chip's clock pin, at tt
        (chip/clock.py): the clock net's Elmore delay to the block's pin, and for a ROM port
        its own clock after its pin (Taalas.RomPorts' CLK wire and wire to the macros,
        taalas__rom_port__<kind>__clock_{pin,wire}_ns), its clock buffer re-timed here into
        the load RomPorts measured with the edge the chip's wire and the port's bring it
        (RomPorts, before the chip, timed it from a sharp edge). Returns ({"core"|"dmem"|
        kind: (what it counts, ns)}, {block: pF it loads the net with}, {kind: the edge at
        its clock buffer, ns})."""
        from librelane.logging import warn

        from taalas_flow.chip.clock import arrivals, pin_edge_ns
        from taalas_flow.pnr.block import cdl_names
        from taalas_flow.pnr.parasitics import net_rc
        from taalas_flow.rom.liberty import PdkLiberty
        from taalas_flow.steps.sta import cell_delay

        n = cdl_names(sorted(core.ports))[clock]
        lib = PdkLiberty(pdk, "tt")
        sink = walk.sinks(chip.name, n, lib)
        # the core's own wire of its clock pin (its SPEF's; the core has no net_pf table)
        sink[core.name] = sink.get(core.name, 0.0) + net_rc(pdk, core, clock)[1]
        got = arrivals(pdk, chip.tracks[n], chip.branches[n], sink)
        role = {core.name: "core", "taalas_engine_dmem": "dmem",
                **{f"taalas_engine_{k}": k for k in ("wrom", "prom")}}
        cell = str(pdk.data["chip"]["rom_clock_cell"])
        out: dict[str, tuple[str, float]] = {}
        edges: dict[str, float] = {}
        for block, t in got.items():
            r = role.get(block, block)
            what = f"the chip's clock wire to the {r} (Elmore, tt)"
            if r in ("wrom", "prom"):
                port = {k: float(v) for k in ("pin_ns", "wire_ns", "load_pf")
                        if (v := state_in.metrics.get(f"taalas__rom_port__{r}__clock_{k}"))
                        is not None}
                if len(port) < 3:
                    warn(f"the ROM ports' metrics predate their clock buffer (no "
                         f"taalas__rom_port__{r}__clock_*): the {r} macros' clock is "
                         "timed to the port's pin only; rerun with --from Taalas.RomPorts")
                else:
                    edges[r] = pin_edge_ns(pdk, t + port["pin_ns"])
                    (d / "cell_delay").mkdir(exist_ok=True)
                    buf = cell_delay(sta, pdk, cell, "X", "tt", d / "cell_delay",
                                     load_pf=port["load_pf"], from_pin="A",
                                     input_transition=edges[r])
                    what += (f", then the port's CLK wire, its {cell} (its input's edge "
                             f"{edges[r]:.2f} ns) and its wire to the macros")
                    t += port["pin_ns"] + buf + port["wire_ns"]
            out[r] = (what, t)
        return out, sink, edges

    def _chip(self, pdk, core, state_in: State, d: Path):
        """The chip assembled from the core and the blocks the earlier steps wrote, and its
        signoff: (chip block, its GDS, chip DRC of the wiring layers, chip FEOL DRC, chip
        LVS)."""
        from librelane.logging import info

        from taalas_flow.chip.top import build_chip
        from taalas_flow.signoff.drc import run_drc
        from taalas_flow.signoff.lvs import run_lvs
        from taalas_flow.steps.common import read_block

        blocks = {n: read_block(Path(p), n) for n, p in _blocks(state_in).items()}
        roms = {k: blocks[f"taalas_engine_{k}"] for k in ("wrom", "prom")}
        chip = build_chip(pdk, core, blocks["taalas_engine_dmem"], roms, CHIP_NAME)
        gds, cdl = write_block(chip, d)
        info(f"chip top: {chip.width / 1000:.2f} x {chip.height / 1000:.2f} mm; LVS beside "
             "DRC of the wiring layers, then of the FEOL layers")
        # separate KLayout processes: LVS (one thread) beside the DRC runs
        with ThreadPoolExecutor(max_workers=2) as pool:
            lvs_job = pool.submit(run_lvs, pdk, gds, cdl, d / "lvs", blackbox=CHIP_BLACKBOX)
            drc = run_drc(pdk, gds, d / f"{CHIP_NAME}_beol.lyrdb", feol=False)
            feol = run_drc(pdk, gds, d / f"{CHIP_NAME}_feol.lyrdb", feol=True, beol=False,
                           offgrid=False)
            lvs = lvs_job.result()
        return chip, gds, drc, feol, lvs

    def _personalisation(self, pdk, qm, arch, gds: Path, d: Path):
        """The base-die invariant on the chip itself: the weights read back from the chip
        GDS's via3, and the XOR of the chip against the same chip with the second
        personalisation (TAALAS_XOR_MODEL_DIR's weights, or the complement) in its banks."""
        import gdstk

        from taalas_flow.engine.rom_macros import readback_model
        from taalas_flow.respin import repersonalise
        from taalas_flow.steps.rom_steps import xor_reference_images

        lib = gdstk.read_gds(str(gds))
        readback = readback_model(pdk, arch, lib).same_integers(qm)
        other = xor_reference_images(self.config["TAALAS_XOR_MODEL_DIR"], qm, arch)
        xor = repersonalise(pdk, arch, lib, gds, other, d / f"{gds.stem}_xor_ref.gds",
                            f"chip GDS {gds}")
        return xor, readback
