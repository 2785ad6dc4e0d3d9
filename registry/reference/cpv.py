"""The Common Procurement Vocabulary (CPV 2008), kept in the project (cpv/README.md says from where):
the codes an officer may classify a framework with, participation services first."""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "cpv" / "en.json"
# The services participation work is bought as, offered first in the picker.
PARTICIPATION_CODES = ("79311000", "79315000", "79400000", "79952000", "79310000", "79311100", "79311300", "79341400", "73000000")
MAX_CODES = 20
CODE = re.compile(r"(\d{8})(?:-\d)?")


@dataclass(frozen=True)
class Code:
    code: str  # the eight digits, as OCDS and eForms write a CPV classification's id
    check_digit: str
    description: str

    @property
    def label(self) -> str:
        """The code as the vocabulary prints it, with its check digit: 79311000-7."""
        return f"{self.code}-{self.check_digit}"


@cache
def _codes() -> dict[str, Code]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    found = {}
    for label, description in raw.items():
        code, _, check_digit = label.partition("-")
        found[code] = Code(code, check_digit, description)
    return found


def find(code: str) -> Code | None:
    return _codes().get(code)


def participation_codes() -> list[Code]:
    return [_codes()[code] for code in PARTICIPATION_CODES]


def search(text: str, limit: int = 50) -> list[Code]:
    """Codes whose digits start with `text`, or whose description has every word of it."""
    text = (text or "").strip()
    if not text:
        return []
    digits = text.replace("-", "")
    if digits.isdigit():
        return [code for key, code in _codes().items() if key.startswith(digits)][:limit]
    words = [word for word in re.split(r"\W+", text.lower()) if word]
    found = [code for code in _codes().values() if all(word in code.description.lower() for word in words)]
    preferred = set(PARTICIPATION_CODES)
    return sorted(found, key=lambda code: (code.code not in preferred, code.code))[:limit]


def parse(typed: str) -> list[str]:
    """The codes typed in a text box (separated by commas, spaces or new lines; with or without the
    check digit), each once; ValueError naming the first that is not in the vocabulary."""
    codes: list[str] = []
    for part in re.split(r"[\s,;]+", typed or ""):
        if not part:
            continue
        match = CODE.fullmatch(part)
        if match is None or find(match[1]) is None or (("-" in part) and find(match[1]).label != part):
            raise ValueError(f"“{part[:20]}” is not a CPV code: enter codes from the CPV list, like 79311000-7")
        if match[1] not in codes:
            codes.append(match[1])
    return codes


def in_order(codes) -> list[Code]:
    """The codes, participation services first in their own order, then the rest by number."""
    preferred = {code: position for position, code in enumerate(PARTICIPATION_CODES)}
    return [_codes()[code] for code in sorted(codes, key=lambda code: (preferred.get(code, len(preferred)), code)) if code in _codes()]
