"""A finished run's signoff verdict from its metrics: what makes `taalas-flow run` exit non-zero."""

from taalas_flow.signoff.verdict import signoff_failures

CLEAN = {
    "taalas__drc__rom_tile_feol__count": 0,
    "taalas__drc__rom_array_beol__count": 0,
    "taalas__lvs__rom_tile_clean": 1,
    "taalas__lvs__rom_tile_devices": 570,
    "taalas__rom__readback_ok": 1,
    "taalas__xor__non_personalisation_layers": 0,
    "taalas__xor__personalisation_diff_count": 207237,
    "taalas__sim__dmem_bank__mismatches": 0,
    "taalas__sim__dmem_bank__compared": 820,
    "taalas__rom__chip_readback_ok": 1,
    "taalas__xor__chip_non_personalisation_layers": 0,
    "taalas__sta__core__hold_ws_ff_ns": 0.11,
    "taalas__sta__core__setup_ws_tt_ns": -21.8,     # slower than the target: not a failure
}


def test_clean_run_passes() -> None:
    assert signoff_failures(CLEAN) == []


def test_each_failed_check_is_named() -> None:
    bad = CLEAN | {"taalas__drc__rom_array_beol__count": 10, "taalas__lvs__rom_tile_clean": 0,
                   "taalas__rom__readback_ok": 0, "taalas__xor__non_personalisation_layers": 2,
                   "taalas__sim__dmem_bank__mismatches": 3}
    f = signoff_failures(bad)
    assert f == ["DRC rom_array_beol: 10 violations", "LVS rom_tile: not clean",
                 "simulation dmem_bank: 3 mismatches",
                 "readback: the weights read back from the GDS differ from the model",
                 "XOR: 2 layers other than the personalisation layer differ"]


def test_chip_checks_and_hold_fail_the_run() -> None:
    bad = CLEAN | {"taalas__rom__chip_readback_ok": 0,
                   "taalas__xor__chip_non_personalisation_layers": 1,
                   "taalas__sta__core__hold_ws_ff_ns": -0.02}
    assert signoff_failures(bad) == [
        "readback (chip): the weights read back from the GDS differ from the model",
        "hold core at ff: worst slack -0.020 ns",
        "XOR (chip): 1 layers other than the personalisation layer differ"]
