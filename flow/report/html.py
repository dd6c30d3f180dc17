"""Write reports/<run>/index.html: everything a reviewer wants from a run on one page, with the
layout pictures rendered from the run's GDS by KLayout and embedded, so the file can be mailed,
archived by CI or opened offline."""

from __future__ import annotations

import base64
import re
import tempfile
from html import escape
from pathlib import Path

from taalas_flow.pdk import PdkConfig
from taalas_flow.report.charts import bar_chart
from taalas_flow.report.collect import RunData, collect

PASS, FAIL, NOT_RUN = "pass", "fail", "not run"


def _badge(status: str) -> str:
    return f'<span class="badge {status.replace(" ", "-")}">{status.upper()}</span>'


def _table(rows: list[list], head: list[str] | None = None) -> str:
    out = ["<table>" + ("<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"
                        if head else "")]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>")
    return "".join(out) + "</table>"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    return escape(str(v))


def _over_max_cap(m: dict) -> str:
    """The data-memory stages past their limit, as `stage load / limit pF`."""
    over = []
    for key, limit in sorted(m.items()):
        stage = re.fullmatch(r"taalas__dmem__(\w+)_max_cap_pf", key)
        load = m.get(f"taalas__dmem__{stage.group(1)}_pf") if stage else None
        if load is not None and load > limit:
            over.append(f"{stage.group(1)} {load:.2f} / {limit:.2f} pF")
    return escape("; ".join(over) or "none over")


def _signoff(m: dict) -> list[list]:
    def row(label: str, key: str, ok, detail: str = "") -> list:
        value = m.get(key)
        status = NOT_RUN if value is None else PASS if ok(value) else FAIL
        return [escape(label), _badge(status), detail]

    def zero(v) -> bool:
        return v == 0

    return [
        row("Engine RTL == golden model (cocotb, every layer, every token)",
            "taalas__engine__verified_tokens", lambda v: v > 0,
            f"{_fmt(m.get('taalas__engine__verified_tokens', 0))} tokens, "
            f"{_fmt(m.get('taalas__engine__values_checked', 0))} values compared"),
        row("Weights read back from the GDS", "taalas__rom__readback_ok", lambda v: v == 1),
        row("DRC, ROM macro tile FEOL+BEOL", "taalas__drc__rom_tile_feol__count", zero,
            f"{_fmt(m.get('taalas__drc__rom_tile_feol__count'))} violations"),
        row("DRC, every ROM macro BEOL+OFFGRID", "taalas__drc__rom_array_beol__count", zero,
            f"{_fmt(m.get('taalas__drc__rom_array_beol__count'))} violations"),
        row("Personalisation XOR (second weight set differs on the via layer only)",
            "taalas__xor__non_personalisation_layers", zero,
            f"{_fmt(m.get('taalas__xor__personalisation_diff_count'))} via differences, "
            f"{_fmt(m.get('taalas__xor__non_personalisation_layers'))} other layers"),
        row("LVS, a full-height slice of each ROM (its bank's rows and mux, 16 columns of "
            "the model's bits, with periphery)", "taalas__lvs__rom_tile_clean",
            lambda v: v == 1,
            f"{_fmt(m.get('taalas__lvs__rom_tile_devices', 0))} devices; whole banks are "
            f"not LVS-checked per run (bench/rom_lvs.py: their LVS time grows faster than "
            f"their devices)"),
        *[r for kind, what in (("wrom", "weight"), ("prom", "parameter")) for r in (
            row(f"DRC, {what}-ROM port, wiring layers", f"taalas__drc__rom_port_{kind}_beol__count",
                zero, f"{_fmt(m.get(f'taalas__drc__rom_port_{kind}_beol__count'))} violations"),
            row(f"DRC, {what}-ROM port logic block FEOL+BEOL",
                f"taalas__drc__rom_port_{kind}_logic__count", zero,
                f"{_fmt(m.get(f'taalas__rom_port__{kind}__logic_cells'))} cells"),
            row(f"LVS, {what}-ROM port (banks and cells as black boxes)",
                f"taalas__lvs__rom_port_{kind}_clean", lambda v: v == 1))],
        row("Data-memory bank: cell netlist == memory (gate-level simulation)",
            "taalas__sim__dmem_bank__mismatches", zero,
            f"{_fmt(m.get('taalas__sim__dmem_bank__compared'))} reads compared"),
        row("Data-memory column interface: cell netlist == function (simulation)",
            "taalas__sim__dmem_interface__mismatches", zero,
            f"{_fmt(m.get('taalas__sim__dmem_interface__compared'))} outputs compared"),
        row("Data memory as laid out (reference netlist of its LVS) == memory RTL (simulation)",
            "taalas__sim__dmem__mismatches", zero,
            f"{_fmt(m.get('taalas__sim__dmem__compared'))} cycles compared after every word "
            "was written"),
        row("DRC, data-memory logic (predecoders, read registers) FEOL+BEOL",
            "taalas__drc__dmem_logic__count", zero,
            f"{_fmt(m.get('taalas__dmem__logic_cells'))} cells"),
        row("DRC, data memory (all columns assembled), wiring layers",
            "taalas__drc__dmem_beol__count", zero,
            f"{_fmt(m.get('taalas__drc__dmem_beol__count'))} violations"),
        row("DRC, data-memory bank tile (16 words) FEOL+BEOL",
            "taalas__drc__dmem_bank_tile__count", zero,
            f"{_fmt(m.get('taalas__drc__dmem_bank_tile__count'))} violations"),
        row("DRC, data-memory column interface FEOL+BEOL",
            "taalas__drc__dmem_interface__count", zero,
            f"{_fmt(m.get('taalas__dmem__interface_cells'))} cells"),
        row("DRC, data-memory stripe drivers FEOL+BEOL",
            "taalas__drc__dmem_drivers__count", zero,
            f"{_fmt(m.get('taalas__dmem__driver_cells'))} cells"),
        row("DRC, data-memory read repeaters FEOL+BEOL",
            "taalas__drc__dmem_repeaters__count", zero,
            f"{_fmt(m.get('taalas__dmem__repeater_cells'))} cells"),
        row("LVS, data memory (all columns assembled; cells as black boxes)",
            "taalas__lvs__dmem_clean", lambda v: v == 1,
            f"{_fmt(m.get('taalas__dmem__banks'))} banks of "
            f"{_fmt(m.get('taalas__dmem__bank_cells'))} cells"),
        row("Data memory's stripe drivers, logic and interface outputs and read chains: loads "
            "within their cells' liberty max_capacitance (tt)",
            "taalas__dmem__max_cap_violations", zero, _over_max_cap(m)),
        row("Nets between the engine core and the other blocks: loads within their driver's "
            "liberty max_capacitance (tt)",
            "taalas__chip__port_max_cap_violations", zero,
            f"largest {_fmt(m.get('taalas__chip__port_load_max_pf'))} pF; "
            f"{_fmt(m.get('taalas__chip__core_port_buffers'))} core outputs behind port "
            "buffers"),
        row("DRC, chip (every block placed and wired), wiring layers",
            "taalas__drc__chip_beol__count", zero,
            f"{_fmt(m.get('taalas__drc__chip_beol__count'))} violations"),
        row("DRC, chip (every block placed and wired), FEOL layers",
            "taalas__drc__chip_feol__count", zero,
            f"{_fmt(m.get('taalas__drc__chip_feol__count'))} violations"),
        row("LVS, chip against the engine top's netlist (cells and ROM banks as black boxes)",
            "taalas__lvs__chip_clean", lambda v: v == 1,
            f"{_fmt(m.get('taalas__chip__pins'))} chip pins"),
        row("Weights read back from the chip GDS", "taalas__rom__chip_readback_ok",
            lambda v: v == 1),
        row("Chip XOR (the chip with the second weight set differs on the via layer only)",
            "taalas__xor__chip_non_personalisation_layers", zero,
            f"{_fmt(m.get('taalas__xor__chip_personalisation_diff_count'))} via differences, "
            f"{_fmt(m.get('taalas__xor__chip_non_personalisation_layers'))} other layers"),
        row("Core hold, laid out (OpenSTA, wiring SPEF, clock tree propagated, ff corner)",
            "taalas__sta__core__hold_ws_ff_ns", lambda v: v >= 0,
            f"{_fmt(m.get('taalas__sta__core__hold_ws_ff_ns'))} ns worst slack; tt "
            f"{_fmt(m.get('taalas__sta__core__hold_ws_tt_ns'))} ns"),
        row("Hold between blocks (a lower bound: into the core and the ROM macros, ff)",
            "taalas__sta__chip__hold_bound_ff_ns", lambda v: v >= 0,
            f"{_fmt(m.get('taalas__sta__chip__hold_bound_ff_ns'))} ns; tt "
            f"{_fmt(m.get('taalas__sta__chip__hold_bound_tt_ns'))} ns"),
        row("Data memory's write inputs held at its banks (a lower bound, ff)",
            "taalas__sta__chip__dmem_write_hold_bound_ff_ns", lambda v: v >= 0,
            f"{_fmt(m.get('taalas__sta__chip__dmem_write_hold_bound_ff_ns'))} ns; tt "
            f"{_fmt(m.get('taalas__sta__chip__dmem_write_hold_bound_tt_ns'))} ns"),
    ]


def _cell_origin(layout, name: str) -> tuple[float, float]:
    """Where the first placement of cell `name` puts its origin in the top cell (um)."""
    target = layout.cell_by_name(name)
    it = layout.top_cell().begin_instances_rec()
    while not it.at_end():
        inst = it.current_inst_element().inst()
        if inst.cell_index == target:
            t = it.trans() * inst.trans
            return t.disp.x * layout.dbu, t.disp.y * layout.dbu
        it.next()
    raise ValueError(f"no instance of {name} in {layout.top_cell().name}")


def _pictures(pdk: PdkConfig, gds: Path) -> list[tuple[str, str, str]]:
    """(title, caption, base64 PNG) rendered from the run's GDS."""
    import klayout.db as kdb

    from taalas_flow.render import render_png

    layout = kdb.Layout()
    layout.read(str(gds))
    ax, ay = _cell_origin(layout, "wrom0_personality")
    views = [
        ("ROM macros, whole", "the run's GDS: weight ROM (left) and parameter ROM (right), "
         "each as column banks of whole macros (array and periphery); no chip top yet",
         None, (900, 600)),
        ("Weight ROM periphery", "bottom-left corner of weight ROM bank 0: address predecoder "
         "(far left), word-line decoder and drivers (left of the array), precharge, column "
         "select and output flops (below it)",
         (ax - 62.0, ay - 62.0, ax + 38.0, ay + 40.0), (900, 920)),
        ("Weight ROM array corner", "word lines (poly), ground straps and bit lines; via3 = "
         "bits", (ax, ay, ax + 16.0, ay + 11.0), (800, 550)),
        ("Via personalisation patch", "2 x 4 bit cells: red via3 = programmed '1'",
         (ax, ay, ax + 3.7, ay + 2.9), (640, 500)),
    ]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (title, caption, zoom, size) in enumerate(views):
            png = render_png(pdk, gds, Path(tmp) / f"{i}.png", box=zoom, size=size)
            out.append((title, caption, base64.b64encode(png.read_bytes()).decode()))
    return out


PORT_CAPTION = ("bank macros (top), port logic block (bottom right of the columns), met3 "
                "channel between them, power rails and ring; ADDR/CLK/EN pins on the left "
                "edge, DOUT on the right")
BANK_CAPTION = ("one bank of the data memory: predecoder rows at the bottom, then one word "
                "per row (row clock gate and read-enable nands at the left, then per bit a "
                "flop and a tri-state buffer per read port); met4 bit lines run straight up, "
                "met3 row wires across, met2 power straps in the columns")


CHIP_CAPTION = ("the chip: the engine core (left, flat standard-cell layout), the data memory "
                "(right, four stripes of register-file columns), the two ROM ports (bottom, "
                "under the memory) and the routing channel along the bottom; power rails at "
                "the bottom edge, the chip's pins at the left edge")
DMEM_CAPTION = ("the data memory: stripes of bank columns, each column's interface under it "
                "on the stripe's channel, the memory's logic at the left of the first stripe, "
                "the bus on the left joining the stripes")


def _block_pictures(pdk: PdkConfig, blocks: list[tuple[str, str, Path]]
                    ) -> list[tuple[str, str, str]]:
    from taalas_flow.render import render_png

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (title, caption, gds) in enumerate(blocks):
            png = render_png(pdk, gds, Path(tmp) / f"p{i}.png", box=None, size=(900, 600))
            out.append((title, caption, base64.b64encode(png.read_bytes()).decode()))
    return out


CSS = """
body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px;color:#1f2328}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;
font-size:13px;text-align:left}th{background:#f6f8fa}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600;
font-size:12px}.pass{background:#1a7f37}.fail{background:#cf222e}.not-run{background:#8c959f}
figure{display:inline-block;margin:8px 12px 8px 0;vertical-align:top}
figcaption{font-size:12px;color:#57606a;max-width:640px}img{border:1px solid #d0d7de}
.mono{font-family:ui-monospace,monospace;font-size:12px}
"""


def build_report(run_dir: Path, pdk: PdkConfig, out_dir: Path) -> Path:
    data = collect(run_dir)
    m = data.metrics
    html = [f"<!doctype html><html><head><meta charset='utf-8'><title>taalas-flow "
            f"{escape(run_dir.name)}</title><style>{CSS}</style></head><body>",
            f"<h1>taalas-flow run <span class='mono'>{escape(run_dir.name)}</span></h1>"]
    html += _summary(data)
    html.append("<h2>Signoff</h2>")
    html.append(_table(_signoff(m), ["check", "status", "detail"]))
    html += _model_section(data)
    html.append("<h2>Layout</h2>")
    if data.gds is not None:
        for title, caption, b64 in _pictures(pdk, data.gds):
            html.append(f"<figure><img alt='{escape(title)}' src='data:image/png;base64,{b64}'>"
                        f"<figcaption><b>{escape(title)}</b>: {escape(caption)}</figcaption>"
                        f"</figure>")
    def latest(step: str) -> Path | None:
        dirs = sorted(run_dir.glob(f"*-{step}"))
        return dirs[-1] if dirs else None

    blocks = []
    chip_dir, port_dir, mem_dir = (latest(s) for s in ("taalas-chiptop", "taalas-romports",
                                                       "taalas-datamemory"))
    if chip_dir and (chip_dir / "taalas_engine_chip.gds").is_file():
        blocks.append(("Chip", CHIP_CAPTION, chip_dir / "taalas_engine_chip.gds"))
    if mem_dir and (mem_dir / "taalas_engine_dmem.gds").is_file():
        blocks.append(("Data memory", DMEM_CAPTION, mem_dir / "taalas_engine_dmem.gds"))
    if port_dir:
        blocks += [(f"ROM port {kind}", PORT_CAPTION, port_dir / f"taalas_engine_{kind}.gds")
                   for kind in ("wrom", "prom")
                   if (port_dir / f"taalas_engine_{kind}.gds").is_file()]
    if mem_dir:
        blocks += [(f"Data-memory bank {g.stem}", BANK_CAPTION, g)
                   for g in sorted(mem_dir.glob("taalas_engine_rf_*.gds"))
                   if not g.stem.endswith(("_tile", "_column"))
                   and "_if_" not in g.stem and "_drv_" not in g.stem
                   and "_rep_" not in g.stem]
    for title, caption, b64 in _block_pictures(pdk, blocks):
        html.append(f"<figure><img alt='{escape(title)}' src='data:image/png;base64,{b64}'>"
                    f"<figcaption><b>{escape(title)}</b>: {escape(caption)}</figcaption>"
                    f"</figure>")
    html += _area_timing(data, float(pdk.data["synthesis"]["power_activity"]))
    html.append("<h2>Stage runtimes</h2>")
    html.append(bar_chart([(n, s) for n, s in data.stages], "s", colour="#8250df"))
    html += _provenance(data)
    html.append("</body></html>")
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    index.write_text("\n".join(html) + "\n")
    return index


def _summary(d: RunData) -> list[str]:
    m = d.metrics
    model = d.step_files.get("taalas-loadmodel", {}).get("model.json", {})
    quant = d.step_files.get("taalas-quantise", {}).get("quantisation.json", {})
    arch = model.get("config", {})
    rows = [["model", _fmt(model.get("name", "?"))],
            ["architecture", escape(", ".join(f"{k}={v}" for k, v in arch.items()
                                              if k not in ("rope_theta", "rms_norm_eps")))],
            ["parameters", _fmt(m.get("taalas__model__parameters", "?"))],
            ["weight bits / block", f"{_fmt(quant.get('bits', '?'))} / "
                                    f"{_fmt(quant.get('block', '?'))}"],
            ["ROM bits (weights, scales, exponents, gains)", _fmt(m.get("taalas__rom__bits", 0))],
            ["die ROM capacity (bits)", _fmt(m.get("taalas__rom__capacity_bits", 0))]]
    if "taalas__dmem__words" in m:
        rows.append(["data memory", f"{_fmt(m['taalas__dmem__words'])} x 16 bits: "
                     f"{_fmt(m['taalas__dmem__banks'])} register-file banks in "
                     f"{_fmt(m['taalas__dmem__columns'])} columns, "
                     f"{m['taalas__dmem__bank_um2_per_bit']:.1f} um2 per bit (bank)"
                     + (f"; laid out {m['taalas__dmem__width_um'] / 1000:.2f} x "
                        f"{m['taalas__dmem__height_um'] / 1000:.2f} mm"
                        if "taalas__dmem__width_um" in m else "")])
    if "taalas__chip__width_um" in m:
        rows.append(["die (chip top as laid out)",
                     f"{m['taalas__chip__width_um'] / 1000:.2f} x "
                     f"{m['taalas__chip__height_um'] / 1000:.2f} mm = "
                     f"{m['taalas__chip__area_mm2']:.1f} mm2 (core "
                     f"{m['taalas__chip__core_area_mm2']:.1f}, data memory "
                     f"{m['taalas__chip__dmem_area_mm2']:.1f}, ROM ports "
                     f"{m['taalas__chip__rom_ports_area_mm2']:.2f} mm2); no I/O pads"])
    if "taalas__sta__core__fmax_mhz" in m:
        ws, period = m["taalas__sta__core__setup_ws_tt_ns"], m["taalas__sta__core__period_ns"]
        rows.append(["clock (laid-out core, OpenSTA with its wiring and clock tree)",
                     f"{m['taalas__sta__core__fmax_mhz']:.1f} MHz at tt, "
                     f"{m['taalas__sta__core__fmax_ss_mhz']:.1f} MHz at ss; the "
                     f"{_fmt(period)} ns target is " + (
                         "met" if ws >= 0 else f"<b>not met</b> ({ws:.2f} ns of slack)")
                     + f"; {_fmt(m.get('taalas__chip__core_buffers'))} buffers inserted"])
    ib = d.step_files.get("taalas-chiptop", {}).get("chip.json", {}).get("interblock")
    if ib:
        rows.append(["clock across blocks (paths between the core, ROM macros and data "
                     "memory as sums of measured segments, chip wires, the chip clock's "
                     "arrival at each block and the blocks' own wiring from their pins "
                     "included; the read bit lines' resistance down their column is not, "
                     "so an upper bound)",
                     "; ".join(f"{1000 / v['period_ns']:.1f} MHz at {escape(c)}, bound by "
                               f"{escape(v['binding'])}" for c, v in ib.items())])
    return ["<h2>Summary</h2>", _table(rows)]


def _clock_rows(d: RunData) -> list[str]:
    """Where the chip's clock reaches each block, as a one-line table."""
    at = d.step_files.get("taalas-chiptop", {}).get("chip.json", {}).get("clock_at", {})
    if not at:
        return []
    rows = [[escape(b), f"{v['ns']:.2f}", escape(v["what"])] for b, v in sorted(
        at.items(), key=lambda kv: kv[1]["ns"])]
    edge = d.metrics.get("taalas__chip__clock_transition_at_core_ns")
    dmem = d.metrics.get("taalas__dmem__clock_edge_at_drivers_ns")
    return ["<p>The chip's clock at each block, after the chip's clock pin (tt):</p>",
            _table(rows, ["block", "ns", "what it counts"]),
            *([f"<p>The clock's edge at the core's clock pin: {edge:.2f} ns (20-80 %), the "
               "transition the config gives the chip's pin slowed by the wire "
               "(chip/clock.edge_ns); the core's ports are timed with it.</p>"]
              if edge is not None else []),
            *([f"<p>The data memory's stripe clock drivers were timed with an edge of "
               f"{dmem:.2f} ns at the farthest stripe (the chip's wire to the memory at its "
               "budget, then the memory's bus; chip/clock.budget_edge_ns) for the clock's "
               "latest arrival at the banks, and with the chip pin's own edge for its "
               "earliest.</p>"] if dmem is not None else [])]


def _interblock_table(d: RunData) -> list[str]:
    """Each path between blocks at tt: its measured segments and the period it needs."""
    ib = d.step_files.get("taalas-chiptop", {}).get("chip.json", {}).get("interblock", {})
    if "tt" not in ib:
        return []
    paths = sorted(ib["tt"]["paths"].items(), key=lambda kv: -kv[1]["total_ns"])
    rows = [[escape(name), escape(", ".join(f"{s} {v:.2f}" for s, v in p["segments"].items())),
             f"{p['total_ns']:.2f}", f"{1000 / p['total_ns']:.1f}"] for name, p in paths]
    return ["<p>Paths between blocks at tt (ns): the core's share from OpenSTA on its "
            "layout with each port loaded by its chip wire (an input driven through it by "
            "the other block's output cell), the ROM macros' read from ngspice at this "
            "run's bank shapes, the memory bank's read and write setup from its own STA, "
            "the memory's stripe drivers, interface gates, and read chains (along each "
            "stripe, then between stripes: links times the worst link) (the cell from "
            "OpenSTA into "
            "its load, the wire's Elmore delay), the driving cell's unloaded delay (a port "
            "buffer's, and the register or mux before it into the buffer) and each "
            "chip wire's Elmore delay (its resistance and capacitance from the metal "
            "drawn). The memory's global logic is timed whole by OpenSTA "
            "(its wiring's SPEF, each output loaded by its line): its decode onto the column "
            "lines and write enables, and its read registers' "
            "capture. Each path adds where the chip's clock reaches its launching block "
            "and subtracts where it reaches its capturing block (the clock net's Elmore "
            "delay from the chip's pin to the block's; for a ROM port, then its clock "
            "buffer and its wire to the macros). The blocks' own wiring is in the sums "
            "(Elmore on the nets as drawn): in a ROM port from its pins to the macros and "
            "from a macro's output into the port logic (the macro's output flop timed into "
            "that wire); in the data memory from its pins up its bus and along each stripe "
            "to the drivers and the logic, and from the drivers up each column to its "
            "farthest bank, the clock the same way (a write's data and "
            "clock taken at the same stripe), and the read data from the read registers "
            "out to its pin.</p>",
            *_clock_rows(d),
            _table(rows, ["path", "segments (ns)", "period needed (ns)", "clock (MHz)"]),
            *_interblock_hold_table(d), *_write_hold_table(d)]


def _interblock_hold_table(d: RunData) -> list[str]:
    """Hold between the blocks at each hold corner: a lower bound per path."""
    hold = d.step_files.get("taalas-chiptop", {}).get("chip.json", {}).get(
        "interblock_hold", {})
    if not hold:
        return []
    rows = []
    for corner, paths in hold.items():
        for name, h in sorted(paths.items(), key=lambda kv: kv[1]["slack_ns"]):
            rows.append([escape(name), corner, escape(", ".join(
                f"{s} {v:.2f}" for s, v in h["segments"].items())), f"{h['slack_ns']:.2f}",
                "yes" if h["slack_ns"] >= 0 else "<b>not proven</b>"])
    return ["<p>Hold between blocks (ns, lower bounds). Into the core: its own hold slack "
            "at the input's pin when the input changes at the core's clock pin's edge "
            "(OpenSTA, the chip's driver and wire on the pin), less the chip's clock wire "
            "to the core; the launching block's clock and cells are left out, so any "
            "input, from a ROM port, the memory or a chip pin, may change as soon as the "
            "chip's clock pin sees the edge. The core was given delay cells for exactly "
            "that while it was laid out. Into the ROM macros: the core's earliest address "
            "change less the macros' clock (chip wire, the port's clock buffer and its "
            "wire) and their hold.</p>",
            _table(rows, ["path", "corner", "segments (ns)", "slack bound (ns)",
                          "hold proven"])]


def _write_hold_table(d: RunData) -> list[str]:
    """The data memory's write inputs' hold at its banks at each hold corner it was
    measured at: a lower bound per input."""
    hold = d.step_files.get("taalas-chiptop", {}).get("chip.json", {}).get(
        "dmem_write_hold", {})
    if not hold:
        return []
    rows = [[escape(port), corner,
             escape(", ".join(f"{s} {v:.2f}" for s, v in h["segments"].items())),
             f"{h['slack_ns']:.2f}", "yes" if h["slack_ns"] >= 0 else "<b>not proven</b>"]
            for corner, by in hold.items() for port, h in sorted(by.items())]
    return ["<p>Hold of the data memory's write inputs at its banks (ns): the memory's "
            "clock reaches the banks through each stripe's clock driver, so the bank's own "
            "hold slack (its STA, clock and input at its pins together) moves by how much "
            "later the input's new value arrives than that clock. A lower bound: the chip "
            "wire, the stripe wires to the input's bank and, for <code>we</code>, the "
            "memory's logic and column interface are left out (each only adds slack); the "
            "chip's clock reaching the memory later than the core is taken off. The wires' "
            "Elmore delays are tt's at every corner (more than ff's: they take slack "
            "here).</p>",
            _table(rows, ["input", "corner", "segments (ns)", "slack bound (ns)",
                          "hold proven"])]


def _model_section(d: RunData) -> list[str]:
    golden = d.step_files.get("taalas-goldencheck", {}).get("golden.json")
    if not golden:
        return []
    q = [[escape(r["variant"]), _fmt(r["bits"] or "-"), _fmt(r["rom_bits"] or "-"),
          f"{r['loss']:.4f}", f"{r['ppl']:.4f}"] for r in golden["quality"]]
    a = golden["agreement"]
    out = ["<h2>Model and quantisation quality</h2>",
           _table(q, ["variant", "bits", "ROM bits", "held-out loss (nats/byte)", "perplexity"]),
           f"<p>Golden fixed-point model vs fp32 math on the same weights: max |logit error| "
           f"{a['max_abs_logit_error']:.3f} (logit range {a['logit_range']:.1f}), greedy "
           f"continuations identical on {a['greedy_match']}/{a['prompts']} prompts.</p>"]
    samples = [[escape(p), escape(g)] for p, _, g in a.get("samples", [])[:6]]
    if samples:
        out.append(_table(samples, ["prompt", "golden (chip arithmetic) continuation"]))
    return out


def _area_timing(d: RunData, activity: float) -> list[str]:
    m = d.metrics
    area = []
    if "taalas__rom__macro_area_mm2" in m:
        area.append(("ROM macros: arrays", m["taalas__rom__array_area_mm2"] * 1e6))
        area.append(("ROM macros: periphery", (m["taalas__rom__macro_area_mm2"]
                                               - m["taalas__rom__array_area_mm2"]) * 1e6))
    if "design__instance__area" in m:
        area.append(("engine core logic", float(m["design__instance__area"])))
    if "taalas__dmem__area_mm2" in m:
        area.append((f"data memory: {_fmt(m['taalas__dmem__columns'])} bank columns",
                     m["taalas__dmem__columns_area_mm2"] * 1e6))
        area.append(("data memory: interfaces, channel, power",
                     (m["taalas__dmem__area_mm2"] - m["taalas__dmem__columns_area_mm2"]) * 1e6))
    if "taalas__chip__area_mm2" in m:
        placed = (m["taalas__chip__core_area_mm2"] + m["taalas__chip__dmem_area_mm2"]
                  + m["taalas__chip__rom_ports_area_mm2"])
        area.append(("chip: engine core as laid out (cells and wiring)",
                     m["taalas__chip__core_area_mm2"] * 1e6))
        area.append(("chip: channel, power rails, empty", (m["taalas__chip__area_mm2"]
                                                           - placed) * 1e6))
    out = ["<h2>Area</h2>", bar_chart(area, "um2"),
           "<p>ROM macros as laid out; engine core logic as synthesised cell area and as laid "
           "out; data memory as laid out (columns, interfaces, logic, channel, power); the "
           "rest of the die. Not in the chart: I/O pads.</p>"]
    verify = d.step_files.get("taalas-enginertl", {}).get("verify.json", {})
    rows = []
    ws = m.get("timing__setup__ws")
    period = d.config.get("TAALAS_CLOCK_PERIOD", 10.0)
    if ws is not None:
        min_period = float(period) - float(ws)
        fmax = 1e3 / min_period
        rows += [["setup worst slack @ target (synthesised netlist, no wires)",
                  f"{ws:.3f} ns @ {period} ns"],
                 ["hold worst slack (synthesised netlist)",
                  f"{m.get('timing__hold__ws', float('nan')):.3f} ns"],
                 ["clock of the synthesised netlist (no wires)",
                  f"{fmax:.1f} MHz ({min_period:.2f} ns)"]]
        cyc = verify.get("cycles_per_token")
        if cyc:
            rows += [["cycles per token (simulated)", f"{cyc[0]:,} at position 0 .. "
                      f"{cyc[-1]:,} at position {len(cyc) - 1}"],
                     ["tokens/s at that clock (no wires)", f"{fmax * 1e6 / cyc[0]:,.0f} .. "
                      f"{fmax * 1e6 / cyc[-1]:,.0f}"]]
    if "taalas__dmem__bank_read_ns" in m:
        rows.append(["data-memory bank (OpenSTA, wiring parasitics)",
                     f"read access {m['taalas__dmem__bank_read_ns']:.2f} ns (address in to bit "
                     f"line out, column load included); write setup slack "
                     f"{m['taalas__dmem__bank_setup_ws_ns']:.2f} ns, hold slack "
                     f"{m['taalas__dmem__bank_hold_ws_ns']:.2f} ns at {period} ns (clock "
                     f"propagated through the bank's buffer and row clock gates, inputs "
                     f"changing at the clock edge at the bank's pins)"])
    if "taalas__rom__array_density_kbit_per_mm2" in m:
        rows.append(["ROM array density", f"{m['taalas__rom__array_density_kbit_per_mm2']:,.0f}"
                     " kbit/mm2 (array only)"])
    if "taalas__rom__macro_density_kbit_per_mm2" in m:
        rows.append(["ROM macro density", f"{m['taalas__rom__macro_density_kbit_per_mm2']:,.0f}"
                     " kbit/mm2 (array and periphery)"])
    params = m.get("taalas__model__parameters")
    if params and "taalas__rom__bits" in m:
        rows.append(["transistors per weight", f"{m['taalas__rom__bits'] / params:.2f} "
                     "(one NOR-ROM transistor per stored bit, scales included)"])
    cyc = verify.get("cycles_per_token")
    if "power__total" in m and cyc:
        e_cycle = float(m["power__total"]) * float(period) * 1e-9      # J per clock cycle
        rows.append(["energy per token (engine logic)",
                     f"{e_cycle * cyc[0] * 1e6:.2f} uJ at position 0 (OpenSTA vectorless, "
                     f"activity {activity} per cycle, switching + "
                     f"leakage only: the liberty has no internal-power tables; data memory "
                     f"and ROM reads not included)"])
    else:
        rows.append(["energy per token", "not estimated (no power analysis in this run)"])
    bound = m.get("taalas__sta__chip__fmax_bound_tt_mhz")
    if bound and cyc:
        rows.append(["tokens/s at the laid-out chip's clock (tt, bound across blocks)",
                     f"{bound * 1e6 / cyc[0]:,.0f} at position 0 .. "
                     f"{bound * 1e6 / cyc[-1]:,.0f} at position {len(cyc) - 1}"])
    out += ["<h2>Timing and throughput</h2>", _table(rows), *_interblock_table(d)]
    return out


def _provenance(d: RunData) -> list[str]:
    man = d.manifest
    tools = [[escape(k), escape(str(v))] for k, v in sorted(man.get("tools", {}).items())]
    hashes = []
    for group, files in sorted(man.get("inputs_sha256", {}).items()):
        for name, h in sorted(files.items()):
            hashes.append([escape(group), escape(name), f"<span class='mono'>{h[:16]}…</span>"])
    return ["<h2>Tools</h2>", _table(tools, ["tool", "version"]),
            "<h2>Input hashes (SHA-256)</h2>", _table(hashes, ["group", "file", "hash"])]


__all__ = ["build_report", "collect"]
