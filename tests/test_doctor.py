import shutil


def test_doctor_reports_tools_honestly(cli) -> None:
    r = cli("doctor", env={"COLUMNS": "200"})
    out = r.stdout
    for tool in ("pyosys", "librelane", "iverilog", "opensta", "klayout", "ngspice", "openroad"):
        assert tool in out
    openroad_line = next(line for line in out.splitlines() if "openroad" in line)
    if shutil.which("openroad"):
        assert "ok" in openroad_line
    else:
        assert "absent" in openroad_line
    assert r.returncode == 0, out  # everything the default flow needs is installed by .ci/run


def test_doctor_fails_without_tools(cli, tmp_path) -> None:
    # A PATH with no external binaries: iverilog, sta, klayout, ngspice are all missing.
    r = cli("doctor", env={"PATH": str(tmp_path), "COLUMNS": "200"})
    assert r.returncode == 1
    assert "default flow cannot run" in r.stdout
    assert "iverilog" in r.stdout.split("cannot run")[1]
