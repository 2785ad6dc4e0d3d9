"""Which CPV codes name light touch services, by regime: the lists the law keeps (light_touch/README.md
says from where). England: Table 1 of Schedule 1 to the Procurement Regulations 2024, regulation 42(1),
for section 9 of the Procurement Act 2023. Scotland: none kept (Schedule 3 of the Public Contracts
(Scotland) Regulations 2015 could not be read), so no Scottish framework counts as light touch."""

from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "light_touch"

SOURCES = {
    "england": "Procurement Act 2023 s.9; Procurement Regulations 2024 reg. 42(1) and Schedule 1, Table 1",
    "scotland": "Public Contracts (Scotland) Regulations 2015, Schedule 3 (not kept by the registry: see registry/reference/light_touch/README.md)",
}


@cache
def codes(regime: str) -> frozenset[str]:
    """The eight-digit CPV codes of the regime's light touch services (none for a regime whose list is not kept)."""
    path = DATA / f"{regime}.txt"
    if not path.exists():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line[:1].isdigit())
