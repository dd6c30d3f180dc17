"""The synthesised gate-level netlist as the layout generator needs it: instances with their pin
connections, the module's ports, and nets as pin lists. Read from Yosys' structural Verilog
(LibreLane's `*.nl.v`), the netlist LVS later proves the layout equals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from taalas_flow.errors import InputError

_IDENT = r"(?:\\\S+|[A-Za-z_][\w$]*)"
_REF = rf"{_IDENT}\s*(?:\[\s*\d+\s*\])?"
_DECL = re.compile(
    rf"^\s*(input|output|inout)\s+(?:signed\s+)?(?:\[(\d+):(\d+)\]\s*)?"
    rf"((?:{_IDENT}\s*,\s*)*{_IDENT})\s*;", re.M)
_INST = re.compile(rf"^\s*({_IDENT})\s+({_IDENT})\s*\((.*?)\);", re.M | re.S)
_CONN = re.compile(rf"\.({_IDENT})\s*\(\s*({_REF})?\s*\)")
_ASSIGN = re.compile(rf"^\s*assign\s+({_REF})\s*=\s*({_REF}|\d+'[bh][01xz]+)\s*;", re.M)


def net_name(ref: str) -> str:
    """One spelling per net: Yosys escapes (`\\x[3] `) and bit-selects (`x [3]`) alike
    become `x[3]`."""
    ref = ref.strip()
    if ref.startswith("\\"):
        ref = ref[1:]
    return re.sub(r"\s+", "", ref)


@dataclass(frozen=True)
class Instance:
    name: str
    cell: str                          # full library cell name
    conns: dict[str, str]              # pin -> net (unconnected pins absent)


@dataclass
class GateNetlist:
    module: str
    ports: dict[str, str]              # bit-level port name -> input/output/inout
    instances: list[Instance]
    nets: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # net -> (inst, pin)
    escaped: set[str] = field(default_factory=set)   # names written as Verilog escapes

    def __post_init__(self) -> None:
        self.nets = {}
        for i, inst in enumerate(self.instances):
            for pin, net in sorted(inst.conns.items()):
                self.nets.setdefault(net, []).append((i, pin))


def _union_find_assigns(text: str) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    for lhs, rhs in _ASSIGN.findall(text):
        if "'" in rhs:
            raise InputError(f"netlist assigns a constant ({lhs.strip()} = {rhs}); synthesise "
                             "with tie cells (LibreLane's default hilomap) so every net has a "
                             "driver cell")
        a, b = find(net_name(lhs)), find(net_name(rhs))
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {k: find(k) for k in parent}


def read_gate_netlist(path: Path, top: str, cell_prefix: str) -> GateNetlist:
    """Parse module `top` of a flat, mapped netlist; every instance must be a library cell
    (a hierarchical or unmapped netlist is refused, naming the first offender)."""
    text = path.read_text()
    m = re.search(rf"^module\s+{re.escape(top)}\s*\((.*?)\);(.*?)^endmodule", text,
                  re.S | re.M)
    if not m:
        raise InputError(f"{path}: no module {top}")
    body = m.group(2)
    ports: dict[str, str] = {}
    declared: set[str] = set()
    for kind, hi, lo, names in _DECL.findall(body):
        for name in (net_name(n) for n in names.split(",")):
            declared.add(name)
            if hi:
                step = 1 if int(hi) >= int(lo) else -1
                for b in range(int(lo), int(hi) + step, step):
                    ports[f"{name}[{b}]"] = kind
            else:
                ports[name] = kind
    undeclared = [n for n in (net_name(h) for h in m.group(1).split(",") if h.strip())
                  if n not in declared]
    if undeclared:
        raise InputError(f"{path}: module {top} ports without a direction declaration: "
                         f"{undeclared[:4]}")
    alias = _union_find_assigns(body)
    escaped = {net_name(e) for e in re.findall(r"\\\S+", body)}
    insts: list[Instance] = []
    body_wo_assigns = _ASSIGN.sub("", body)
    for cell, name, conns in _INST.findall(body_wo_assigns):
        if cell in ("input", "output", "inout", "wire", "assign", "reg"):
            continue
        if not cell.startswith(cell_prefix):
            raise InputError(f"{path}: instance {net_name(name)} is a {cell}, not a "
                             f"{cell_prefix}* cell; the layout generator takes a flat, "
                             "mapped netlist")
        pins = {}
        for pin, ref in _CONN.findall(conns):
            if ref:
                n = net_name(ref)
                pins[net_name(pin)] = alias.get(n, n)
        insts.append(Instance(net_name(name), cell, pins))
    if not insts:
        raise InputError(f"{path}: module {top} has no cell instances")
    for p in ports:
        if alias.get(p, p) != p:
            raise InputError(f"{path}: port {p} is assigned from another net ({alias[p]}); "
                             "buffer it in synthesis so each port is its own net")
    return GateNetlist(top, ports, insts, escaped=escaped)


_PLAIN = re.compile(r"[A-Za-z_][\w$]*")
_BIT = re.compile(r"([A-Za-z_][\w$]*)\[(\d+)\]")


def verilog_escaped(net: GateNetlist) -> set[str]:
    """The nets write_verilog spells as escaped identifiers: every name that is neither a plain
    identifier nor a bit of a bus port. parasitics.write_spef spells them the same way when
    the netlist's `escaped` is this set."""
    bus = {m.group(1) for p in net.ports if (m := _BIT.fullmatch(p))}
    return {n for n in net.nets
            if not _PLAIN.fullmatch(n) and not ((m := _BIT.fullmatch(n)) and m.group(1) in bus
                                                 and n in net.ports)}


def write_verilog(net: GateNetlist, path: Path) -> None:
    """Structural Verilog of `net` for OpenSTA and simulators: bus ports declared as vectors,
    other non-identifier names escaped (verilog_escaped)."""
    esc = verilog_escaped(net)

    def ident(n: str) -> str:
        return f"\\{n} " if n in esc or not (_PLAIN.fullmatch(n) or _BIT.fullmatch(n)) else n

    buses: dict[str, list[int]] = {}
    for p in net.ports:
        if m := _BIT.fullmatch(p):
            buses.setdefault(m.group(1), []).append(int(m.group(2)))
    heads = list(dict.fromkeys(_BIT.sub(r"\1", p) for p in net.ports))
    lines = [f"module {net.module} ({', '.join(heads)});"]
    for p in heads:
        if p in buses:
            bits = buses[p]
            kind = net.ports[f"{p}[{bits[0]}]"]
            if sorted(bits) != list(range(min(bits), max(bits) + 1)):
                raise InputError(f"{net.module}: bus port {p} has gaps in its bits")
            lines.append(f"  {kind} [{max(bits)}:{min(bits)}] {p};")
        else:
            lines.append(f"  {net.ports[p]} {ident(p)};")
    lines += [f"  wire {ident(n)};" for n in sorted(net.nets) if n not in net.ports]
    for inst in net.instances:
        pins = ", ".join(f".{p}({ident(n)})" for p, n in sorted(inst.conns.items()))
        name = inst.name if _PLAIN.fullmatch(inst.name) else f"\\{inst.name} "
        lines.append(f"  {inst.cell} {name} ({pins});")
    lines.append("endmodule")
    path.write_text("\n".join(lines) + "\n")
