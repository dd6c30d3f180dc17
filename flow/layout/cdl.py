"""Reading the CDL netlists the generators write: subcircuits and their pin order, which a
parent's instance lines must follow."""

from __future__ import annotations

import re


def cdl_subckts(cdl: str) -> dict[str, str]:
    """A CDL's subcircuits by name (the text from .SUBCKT to .ENDS)."""
    out = {}
    for m in re.finditer(r"^\.SUBCKT\s+(\S+).*?^\.ENDS\b[^\n]*", cdl, re.M | re.S | re.I):
        out.setdefault(m.group(1), m.group(0))
    return out


def subckt_pins(subckt: str) -> list[str]:
    """Pin order of one subcircuit's text, continuation lines included."""
    head = subckt.split("\n", 1)[0]
    lines = [head] + [ln[1:] for ln in subckt.split("\n")[1:] if ln.startswith("+")]
    return " ".join(lines).split()[2:]


def merge_subckts(texts) -> dict[str, str]:
    """The subcircuits of several CDLs by name, the first definition of each kept (blocks
    built from the same generator share their cells' and sub-blocks' definitions)."""
    out: dict[str, str] = {}
    for text in texts:
        for k, v in cdl_subckts(text).items():
            out.setdefault(k, v)
    return out
