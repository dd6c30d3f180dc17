"""Die budget: how many ROM bits a die holds, and the check that a quantised model fits."""

from __future__ import annotations

from taalas_flow.errors import InputError
from taalas_flow.pdk import PdkConfig


def rom_capacity_bits(die: dict) -> int:
    area_mm2 = die["width_um"] * die["height_um"] / 1e6
    return int(area_mm2 * die["rom_area_fraction"] * die["rom_density_kbit_per_mm2"] * 1000)


def check_fits(rom_bits: int, pdk: PdkConfig, what: str) -> int:
    die = pdk.data["die"]
    cap = rom_capacity_bits(die)
    if rom_bits > cap:
        raise InputError(
            f"{what} needs {rom_bits:,} ROM bits but the {die['name']} die "
            f"({die['width_um'] / 1000:g} x {die['height_um'] / 1000:g} mm) holds {cap:,}",
            "use fewer bits per weight (--bits 3), a smaller model, or a larger die in "
            f"pdk_configs/{pdk.name}.yaml")
    return cap
