"""Address predecoder of the ROM macro: the netlist the macro's CDL carries decodes every address
to exactly the lines the array periphery expects, for every column mux; its layout is DRC and
LVS clean with the widest select gates (MUX 32)."""

import re
from pathlib import Path

import numpy as np
import pytest

from taalas_flow.pdk import load_pdk
from taalas_flow.rom.macro import rom_macro, write_rom_macro
from taalas_flow.rom.predecode import PredecodePlan
from taalas_flow.signoff.drc import run_drc
from taalas_flow.signoff.lvs import run_lvs

FUNCS = {
    "inv": lambda v: 1 - v[0],
    "buf": lambda v: v[0],
    "and": lambda v: int(all(v)),
}


@pytest.fixture(scope="module")
def pdk(pdk_root):
    return load_pdk("sky130", pdk_root)


def _predecoder_netlist(cdl: str) -> list[tuple[str, list[str], str]]:
    """(function, input nets, output net) of every predecoder instance in a macro's CDL."""
    ports = {m.group(1): m.group(2).split()
             for m in re.finditer(r"^\.SUBCKT sky130_fd_sc_hd__(\w+) (.*)$", cdl, re.M)}
    out = []
    for line in cdl.splitlines():
        if not line.startswith("Xpd_"):
            continue
        *nets, cell = line.split()[1:]
        short = cell.split("__")[1]
        conn = dict(zip(ports[short], nets, strict=True))
        ins = [conn[p] for p in "ABCD" if p in conn]
        outp = conn.get("X", conn.get("Y"))
        out.append((re.match(r"[a-z]+", short).group(0), ins, outp))
    return out


def _evaluate(gates, values: dict[str, int]) -> dict[str, int]:
    v = dict(values)
    pending = list(gates)
    while pending:
        ready = [g for g in pending if all(n in v for n in g[1])]
        assert ready, f"combinational loop or undriven input in {pending[:3]}"
        for fn, ins, outp in ready:
            v[outp] = FUNCS[fn]([v[n] for n in ins])
            pending.remove((fn, ins, outp))
    return v


@pytest.mark.parametrize("rows,cols,mux", [(32, 16, 8), (80, 32, 16), (128, 64, 32),
                                           (768, 16, 16)])
def test_netlist_decodes_every_address(pdk, rows: int, cols: int, mux: int) -> None:
    bits = np.zeros((rows, cols), np.uint8)
    _, cdl = rom_macro(pdk, bits, mux, "rom")
    gates = _predecoder_netlist(cdl)
    plan = PredecodePlan(rows, mux)
    row = plan.row_plan
    n = plan.address_bits
    assert 1 << n >= rows * mux and 1 << (n - 1) < rows * mux
    outputs = {o for _, _, o in gates if re.match(r"^(F\d+_\d+|P\d|SEL\d+)$", o)}
    assert len(outputs) == len(row.lines()) + 4 + mux
    rng = np.random.default_rng(rows)
    for a in sorted(set(rng.integers(0, rows * mux, 64).tolist()) | {0, rows * mux - 1}):
        for pre in (0, 1):
            v = _evaluate(gates, {f"A{b}": a >> b & 1 for b in range(n)} | {"PRE": pre})
            r, k = divmod(a, mux)
            want = set(row.group_lines(r // 4)) | {f"SEL{k}"} | (set() if pre else {f"P{r % 4}"})
            assert {o for o in outputs if v[o]} == want, (a, pre)


def test_mux32_macro_drc_and_lvs_clean(pdk, tmp_path: Path) -> None:
    """MUX 32: four-input select gates fed by a two-bit sub-decoder (lines Q0..Q3)."""
    bits = np.random.default_rng(5).integers(0, 2, (32, 64))
    write_rom_macro(pdk, bits, 32, tmp_path / "rom.gds", tmp_path / "rom.cdl", name="rom")
    assert "Xpd_Q3 " in (tmp_path / "rom.cdl").read_text()
    r = run_drc(pdk, tmp_path / "rom.gds", tmp_path / "m.lyrdb", feol=True, beol=True,
                offgrid=True)
    assert r.violations == 0, r.by_rule
    assert run_lvs(pdk, tmp_path / "rom.gds", tmp_path / "rom.cdl", tmp_path / "lvs").clean
