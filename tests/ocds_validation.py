"""Validating OCDS data offline against the official 1.1.5 schemas and code lists the project keeps
(registry/opendata/schema/, see its README): the release package and record package schemas refer to
the release schema by its public URL, which a `referencing.Registry` maps to the local copy."""

import csv
import json
import re
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from registry.opendata.profile import STANDARD_DIR

OCDS_DIR = STANDARD_DIR
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# the code lists the standard's documentation calls closed
CLOSED_BY_DOCUMENTATION = {"releaseTag.csv", "tenderStatus.csv", "awardStatus.csv", "contractStatus.csv", "method.csv", "procurementCategory.csv", "relatedProcess.csv"}


def _schema(name: str) -> dict:
    return json.loads((OCDS_DIR / name).read_text(encoding="utf-8"))


# jsonschema checks date-time and uri only with optional packages installed: check them here instead
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.fullmatch(value):
        return False
    datetime.fromisoformat(value)
    return True


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme in ("http", "https") and parts.netloc and " " not in value)


@cache
def validators() -> dict[str, Draft4Validator]:
    release = _schema("release-schema.json")
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    found = {}
    for name, schema in (("release", release), ("release-package", _schema("release-package-schema.json")), ("record-package", _schema("record-package-schema.json"))):
        Draft4Validator.check_schema(schema)
        found[name] = Draft4Validator(schema, registry=registry, format_checker=FORMATS)
    return found


def schema_errors(kind: str, data: dict) -> list[str]:
    """Every way `data` (a release, release package or record package) breaks its schema."""
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}" for error in validators()[kind].iter_errors(data)]


@cache
def codelists() -> dict[str, frozenset[str]]:
    found = {}
    for path in (OCDS_DIR / "codelists").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as file:
            found[path.name] = frozenset(row["Code"] for row in csv.DictReader(file))
    return found


@cache
def closed_codelists() -> frozenset[str]:
    """The code lists to be used exactly: those the schema marks closed, and those the standard's documentation names."""
    closed = set(CLOSED_BY_DOCUMENTATION)

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("codelist") and node.get("openCodelist") is False:
                closed.add(node["codelist"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_schema("release-schema.json"))
    return frozenset(closed)


def codelist_errors(release: dict) -> list[str]:
    """Each value of a code-list field that is not in its code list. Closed lists must be used
    exactly; this publisher keeps to the listed codes of the open ones too, so both are checked."""
    schema = _schema("release-schema.json")
    lists = codelists()
    problems: list[str] = []

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    def walk(value, node: dict, path: str) -> None:
        node = resolve(node)
        if node.get("codelist") and value is not None:
            codes = lists[node["codelist"]]
            for item in value if isinstance(value, list) else [value]:
                if item not in codes:
                    closed = "closed" if node["codelist"] in closed_codelists() else "open"
                    problems.append(f"{path}: {item!r} is not in the {closed} code list {node['codelist']}")
        if isinstance(value, dict):
            for key, item in value.items():
                if key in node.get("properties", {}):
                    walk(item, node["properties"][key], f"{path}/{key}")
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for index, item in enumerate(value):
                walk(item, node["items"], f"{path}/{index}")

    walk(release, schema, "")
    return problems
