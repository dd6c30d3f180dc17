"""The `taalas-flow` command line.

Every command turns a FlowError into one line on stderr and a non-zero exit code; no traceback
reaches the user for bad input.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from taalas_flow.errors import FlowError, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Weights-to-silicon compiler for hardwired LLM inference chips.")
console = Console()
err_console = Console(stderr=True)

PdkOpt = Annotated[str, typer.Option("--pdk", help="PDK description in pdk_configs/.")]
PdkRootOpt = Annotated[Path | None, typer.Option(
    "--pdk-root", help="PDK root (open_pdks layout). Default: $PDK_ROOT, then ../shared/pdk.")]


def _quiet_librelane(verbose: bool) -> None:
    from librelane.logging import set_log_level

    set_log_level("DEBUG" if verbose else "WARNING")


@app.command()
def doctor() -> None:
    """List external tools with versions and which stages can run; exit 1 if the default flow
    cannot."""
    from taalas_flow.pdk import load_pdk
    from taalas_flow.toolchain import probe_all

    table = Table(title="taalas-flow toolchain")
    for col in ("tool", "status", "version", "stages", "location / install"):
        table.add_column(col)
    blocking = []
    for st in probe_all():
        ok = st.found and not st.version.startswith("broken")
        status = "[green]ok[/]" if ok else ("[red]missing[/]" if st.spec.required
                                            else "[yellow]absent (optional)[/]")
        table.add_row(st.spec.name, status, st.version or "-", ", ".join(st.spec.stages),
                      st.location if ok else st.spec.install)
        if not ok and st.spec.required:
            blocking.append(st.spec.name)
    console.print(table)
    try:
        pdk = load_pdk("sky130", None, stages=[])
        missing = pdk.missing_files()
        if missing:
            console.print(f"[red]PDK[/] {pdk.pdk_dir}: missing for " +
                          "; ".join(f"{k}: {', '.join(v)}" for k, v in missing.items()))
            blocking.append("PDK")
        else:
            console.print(f"[green]PDK[/] {pdk.pdk_dir} (from {pdk.root_source}): complete")
    except FlowError as e:
        console.print(f"[red]PDK[/] {e.one_line()}")
        blocking.append("PDK")
    if blocking:
        console.print(f"[red]default flow cannot run[/]: {', '.join(blocking)}")
        raise typer.Exit(1)
    console.print("[green]default flow can run[/] (backend: structured generators; "
                  "librelane-classic needs openroad)")


@app.command()
def synth(
    verilog: Annotated[list[Path], typer.Argument(help="Verilog source file(s).")],
    top: Annotated[str, typer.Option("--top", help="Top module name.")],
    pdk: PdkOpt = "sky130",
    pdk_root: PdkRootOpt = None,
    clock_period: Annotated[float, typer.Option(help="Clock period in ns.")] = 10.0,
    clock_port: Annotated[str, typer.Option(help="Clock port (virtual clock if absent).")] = "clk",
    runs: Annotated[Path, typer.Option(help="Parent directory of runs/.")] = Path("."),
    tag: Annotated[str | None, typer.Option(help="Run tag.")] = None,
    layout: Annotated[bool, typer.Option(
        "--layout", help="Also place and wire the netlist (flow/pnr) and sign the GDS off "
        "with KLayout DRC + LVS.")] = False,
    verbose: bool = False,
) -> None:
    """Lint + Yosys synthesis (LibreLane stock steps) + OpenSTA; print cells, area, slack.
    With --layout, the GDS too (DRC/LVS-checked)."""
    from taalas_flow.synth import synthesise

    _quiet_librelane(verbose)
    for v in verilog:
        if not v.is_file():
            raise InputError(f"Verilog file not found: {v}")
    result = synthesise(verilog, top, pdk, pdk_root, clock_period, clock_port, runs, tag,
                        layout)
    console.print(
        f"{top}: {result['cells']} cells, area {result['area_um2']:.1f} um^2, "
        f"worst setup slack {result['setup_ws_ns']:.3f} ns @ {clock_period} ns "
        f"(run dir {result['run_dir']})"
    )
    if layout:
        lo = result["layout"]
        console.print(
            f"{top} layout: {lo['width_um']:.1f} x {lo['height_um']:.1f} um, {lo['rows']} rows, "
            f"utilisation {100 * lo['utilisation']:.1f} %, DRC {lo['drc_violations']} "
            f"violations, LVS {'clean' if lo['lvs_clean'] else 'MISMATCH'}, worst setup slack "
            f"with wiring parasitics {lo['setup_ws_ns']:.3f} ns")


@app.command()
def run(
    model: Annotated[str, typer.Option("--model", help="tiny-llama or a checkpoint directory.")],
    pdk: PdkOpt = "sky130",
    pdk_root: PdkRootOpt = None,
    runs: Annotated[Path, typer.Option(help="Parent directory of runs/.")] = Path("."),
    tag: Annotated[str, typer.Option(help="Run tag suffix.")] = "latest",
    frm: Annotated[str | None, typer.Option("--from", help="Resume from this step id.")] = None,
    bits: Annotated[int, typer.Option(help="Bits per weight: 3, 4 or 6.")] = 4,
    block: Annotated[int, typer.Option(help="Weights per quantisation block.")] = 32,
    backend: Annotated[str, typer.Option(
        help="Physical implementation: 'structured' (our generators, no OpenROAD) or "
             "'librelane-classic' (needs openroad on PATH).")] = "structured",
    verbose: bool = False,
) -> None:
    """Run the weights-to-silicon flow for a model."""
    from taalas_flow.run import check_backend, run_model

    check_backend(backend)
    _quiet_librelane(verbose)
    run_model(model, pdk, pdk_root, runs, tag, frm, console, bits=bits, block=block)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="Run directory (runs/<name>).")],
    out: Annotated[Path | None, typer.Option(help="Output directory.")] = None,
    pdk: PdkOpt = "sky130",
    pdk_root: PdkRootOpt = None,
) -> None:
    """Write the run's HTML report (default: reports/<run>/index.html beside runs/)."""
    from taalas_flow.run import publish_report

    index = publish_report(run_dir, pdk, pdk_root, out)
    console.print(f"report: {index}")


@app.command()
def ci(
    baseline: Annotated[Path, typer.Option(help="Baseline metrics JSON to gate against.")],
    model: Annotated[str, typer.Option(help="Model to run.")] = "tiny-llama",
    pdk: PdkOpt = "sky130",
    pdk_root: PdkRootOpt = None,
    runs: Annotated[Path, typer.Option(help="Parent directory of runs/.")] = Path("."),
    run_dir: Annotated[Path | None, typer.Option(
        "--run-dir", help="Gate an existing run instead of running the flow.")] = None,
    write_baseline: Annotated[bool, typer.Option(
        help="Write the run's metrics to --baseline instead of comparing.")] = False,
    verbose: bool = False,
) -> None:
    """Nightly tapeout dry-run: run the flow, compare with a baseline, exit 1 on regression."""
    from taalas_flow.run import ci_gate

    _quiet_librelane(verbose)
    code = ci_gate(baseline, model, pdk, pdk_root, runs, run_dir, write_baseline, console)
    raise typer.Exit(code)


@app.command()
def respin(
    base: Annotated[Path, typer.Option(help="Run directory whose base die is reused.")],
    model: Annotated[str, typer.Option(help="New weights: tiny-llama-b or a checkpoint dir.")],
    pdk_root: PdkRootOpt = None,
    runs: Annotated[Path | None, typer.Option(help="Parent directory of runs/ (default: the "
                                              "base run's).")] = None,
) -> None:
    """A new chip from an earlier run: regenerate only the personalisation layer (via3) of its
    ROM macros' GDS and its chip GDS, with readback and XOR proof against the base's."""
    from taalas_flow.respin import respin as do_respin

    r = do_respin(base, model, pdk_root, runs)
    console.print(f"re-spin: {r['gds']}")
    console.print(f"readback ok, XOR vs base: only via3 differs "
                  f"({sum(r['xor_differing'].values()):,} shapes)")
    if r.get("chip_gds"):
        console.print(f"chip: {r['chip_gds']}")
        console.print(f"chip readback ok, XOR vs base chip: only via3 differs "
                      f"({sum(r['chip_xor_differing'].values()):,} shapes)")
    console.print(f"re-spin {r['respin_s']:.1f} s vs full run {r['base_full_run_s']:.0f} s "
                  f"({100 * (r['respin_fraction_of_full_run'] or 0):.1f}%)")


@app.command("export-classic")
def export_classic(
    base: Annotated[Path, typer.Option(help="A finished run (runs/<tag>) to export.")],
    out: Annotated[Path | None, typer.Option(help="Design directory to write (default: "
                                              "<base>/classic).")] = None,
    clock_ns: Annotated[float | None, typer.Option(help="Clock period (default: the "
                                                   "run's).")] = None,
    liberty: Annotated[str, typer.Option(help="Comma-separated corners to characterise the "
                                         "ROM macros at (ngspice, minutes each), e.g. "
                                         "tt,ss,ff; empty: no liberty.")] = "",
    pdk_root: PdkRootOpt = None,
) -> None:
    """Write the LibreLane Classic (OpenROAD) design for a finished run: config.json, the
    base-die RTL with ROM ports on the bank macros, and each macro's GDS, LEF and black box.
    Run it with `librelane <out>/config.json` on a machine with OpenROAD and the full PDK."""
    from taalas_flow.backends.classic import export_classic as do_export
    from taalas_flow.pdk import load_pdk
    from taalas_flow.respin import base_arch, read_base_run

    b = read_base_run(base.resolve())
    pdk = load_pdk(b["pdk"], pdk_root, stages=["layout"])
    arch = base_arch(b)
    corners = tuple(c for c in liberty.split(",") if c)
    bad = [c for c in corners if c not in pdk.data["corners"]]
    if bad:
        raise InputError(f"unknown corner(s) {', '.join(bad)}",
                         f"choose from {', '.join(pdk.data['corners'])}")
    dest = (out or base / "classic").resolve()
    cfg = do_export(pdk, arch, b["gds"], dest, clock_ns or b["clock_ns"], corners)
    console.print(f"LibreLane Classic design: {cfg}")
    console.print(f"run it where OpenROAD is installed: librelane {cfg}")


@app.command()
def view(
    run_dir: Annotated[Path, typer.Argument(help="Run directory (runs/<tag>) or a GDS file.")],
    png: Annotated[Path | None, typer.Option(help="Write a picture here instead of opening "
                                                   "KLayout.")] = None,
    zoom: Annotated[str | None, typer.Option(help="x0,y0,x1,y1 in um.")] = None,
    pdk: PdkOpt = "sky130",
    pdk_root: PdkRootOpt = None,
) -> None:
    """Open the run's chip GDS (the ROM macros' if the run has no chip) in KLayout with the
    Sky130 layer properties, personalisation layer highlighted; `--png` renders headless."""
    from taalas_flow.pdk import load_pdk
    from taalas_flow.render import find_run_gds, open_in_klayout, render_png

    cfg = load_pdk(pdk, pdk_root, stages=["signoff"])
    gds = run_dir if run_dir.suffix == ".gds" else find_run_gds(run_dir)
    if png is None:
        open_in_klayout(cfg, gds)
        return
    box = None
    if zoom:
        try:
            box = tuple(float(v) for v in zoom.split(","))
            assert len(box) == 4
        except (ValueError, AssertionError):
            raise InputError(f"--zoom must be x0,y0,x1,y1, got {zoom!r}") from None
    render_png(cfg, gds, png, box=box)
    console.print(f"wrote {png}")


def main() -> None:
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except FlowError as e:
        err_console.print(f"taalas-flow: error: {e.one_line()}", markup=False, highlight=False,
                          soft_wrap=True)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("taalas-flow: aborted")
        sys.exit(130)
    except Exception as e:
        # Usage errors from typer's (vendored) click: show usage, exit 2 like any CLI.
        if hasattr(e, "show") and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            sys.exit(e.exit_code)
        if os.environ.get("TAALAS_DEBUG"):
            raise
        err_console.print(
            f"taalas-flow: internal error: {type(e).__name__}: {e} "
            "(a bug in taalas-flow; rerun with TAALAS_DEBUG=1 for the traceback and report it)",
            markup=False, highlight=False, soft_wrap=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
