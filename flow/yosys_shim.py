"""A `yosys` executable backed by the pyosys wheel, so LibreLane's stock Yosys steps run unchanged.

LibreLane invokes `yosys -y script.py [-Q] [-q|-qq] -- args...`; PyPI's pyosys ships libyosys and
yosys-abc but no `yosys` binary (TOOLCHAIN.md). This shim implements the subset LibreLane and
taalas-flow use: `-y` (run a Python script with pyosys importable), `-p` (commands), `-s` (.ys
script), plain Verilog file arguments, `-V` (version).
"""

from __future__ import annotations

import runpy
import sys


def _version() -> str:
    from pyosys import libyosys as ys

    return str(ys.Globals.yosys_version_str)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: yosys [-Q] [-q] [-qq] (-y script.py [-- args] | -p cmds | -s f.ys | files)")
        return 0
    if args[0] in ("-V", "--version"):
        print(_version())
        return 0

    script: str | None = None
    commands: list[str] = []
    files: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest = args[i + 1 :]
            break
        if a in ("-Q", "-q", "-qq", "-d"):
            pass
        elif a == "-y":
            i += 1
            script = args[i]
        elif a == "-p":
            i += 1
            commands.append(args[i])
        elif a == "-s":
            i += 1
            commands.append(f"script {args[i]}")
        elif a.startswith("-"):
            print(f"yosys shim: unsupported option {a}", file=sys.stderr)
            return 2
        else:
            files.append(a)
        i += 1

    if script is not None:
        sys.argv = [script, *rest]
        sys.path.insert(0, str(__import__("pathlib").Path(script).resolve().parent))
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as e:
            code = e.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        return 0

    from pyosys import libyosys as ys

    design = ys.Design()
    for f in files:
        ys.run_pass(f"read_verilog -sv {f}", design)
    for c in commands:
        ys.run_pass(c, design)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
