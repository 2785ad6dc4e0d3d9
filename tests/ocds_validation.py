"""Validating OCDS data offline against the official 1.1.5 schemas, code lists and declared extensions
the project keeps (registry/opendata/schema/, see its README), two ways: with jsonschema (the release
package and record package schemas refer to the release schema by its public URL, which a
`referencing.Registry` maps to the local copy), and with the community's own tool, libcoveocds."""

import csv
import io
import json
import re
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import jsonref
import ocdsextensionregistry.util
from ocdsextensionregistry import ProfileBuilder
import requests
from jsonschema import Draft4Validator, FormatChecker
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from registry.opendata import ocds, profile
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


def package_schema(name: str) -> dict:
    """The standard's package schema with the fields the declared extensions add (pagination's
    `links`). Only the fields: its patch also empties `required`, which draft 4 does not allow."""
    schema = profile.standard_schema(name)
    schema["properties"].update(profile.patched_schema(name)["properties"])
    return schema


@cache
def validators() -> dict[str, Draft4Validator]:
    """Validators of the schemas as the packages declare them: the standard's, patched by the extensions."""
    release = profile.release_schema()
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    found = {}
    packages = {name: package_schema(f"{name}-schema.json") for name in ("release-package", "record-package")}
    for name, schema in (("release", release), *packages.items()):
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


# --- The community's own checks: libcoveocds (CoVE), offline ---------------------------------------
#
# libcoveocds builds the extended schema with ocdsextensionregistry, which fetches each declared
# extension (its files, or its repository's archive of that version) through one requests session,
# and the standard from a ZIP archive, which its configuration (`standard_zip`) may give as bytes.
# A record package's schema refers to the standard's versioned-release schema by its address, which
# jsonref fetches with `requests`. Both are given a transport adapter that answers from the project's
# copies; any other address fails as if offline, so a package that declares something the project
# does not keep cannot pass.

STANDARD_SCHEMA = re.compile(rf"https?://standard\.open-contracting\.org/schema/{profile.STANDARD_TAG}/([a-z-]+-schema\.json)")
GITHUB_ARCHIVE = re.compile(r"https://github\.com/open-contracting-extensions/([^/]+)/archive/(?:refs/tags/)?([^/]+)\.zip")


def _zip_of(directory: Path, top: str) -> bytes:
    """A folder as GitHub's archive of a repository lays it out: one top folder, then the files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"{top}/", "")
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(directory)}")
    return out.getvalue()


@cache
def standard_zip() -> bytes:
    """The standard at its tag, as its repository's archive has it (schema/ under one top folder)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"standard-{profile.STANDARD_TAG}/", "")
        for path in sorted(profile.STANDARD_DIR.rglob("*")):
            if path.is_file():
                archive.write(path, f"standard-{profile.STANDARD_TAG}/schema/{path.relative_to(profile.STANDARD_DIR)}")
    return out.getvalue()


class VendoredSchemas(requests.adapters.BaseAdapter):
    """Answers requests for the standard's schemas and the declared extensions' files from the project's copies."""

    def send(self, request, **kwargs):
        url = request.url
        body = None
        if path := profile.vendored_file(url):
            body = path.read_bytes()
        elif (standard := STANDARD_SCHEMA.fullmatch(url)) and (profile.STANDARD_DIR / standard[1]).is_file():
            body = json.dumps(profile.standard_schema(standard[1])).encode()
        elif (archive := GITHUB_ARCHIVE.fullmatch(url)) and profile.EXTENSION_VERSIONS.get(archive[1]) == archive[2]:
            body = _zip_of(profile.extension_dir(archive[1]), f"{archive[1]}-{archive[2]}")
        elif not any(url.startswith(f"{profile.RAW}/{repository}/{version}/") for repository, version in profile.EXTENSION_VERSIONS.items()):
            raise requests.ConnectionError(f"offline: {url} is not kept in the project")
        response = requests.Response()
        response.status_code, response.reason = (200, "OK") if body is not None else (404, "Not Found")  # a file the version lacks
        response._content, response.url, response.request = body or b"", url, request
        return response

    def close(self) -> None:
        pass


@contextmanager
def schemas_from_the_project():
    """While inside, the OCDS tools read the standard and the declared extensions from the project."""
    session = ocdsextensionregistry.util.session
    before = dict(session.adapters)
    for scheme in ("https://", "http://"):
        session.mount(scheme, VendoredSchemas())
    offline = requests.Session()
    for scheme in ("https://", "http://"):
        offline.mount(scheme, VendoredSchemas())
    try:
        with session.cache_disabled(), mock.patch.object(jsonref, "requests", offline):  # jsonref fetches with requests.get
            yield
    finally:
        session.adapters.clear()
        session.adapters.update(before)
        offline.close()


def extended_release_schema() -> dict:
    """The release schema with the declared extensions applied by the community's own profile
    builder (ocdsextensionregistry, as libcoveocds applies them), independently of the registry's."""
    builder = ProfileBuilder(profile.STANDARD_TAG, ocds.EXTENSIONS, standard_base_url=standard_zip())
    with schemas_from_the_project():
        return builder.patched_release_schema()


def cove(package: dict) -> dict:
    """libcoveocds's report on a release or record package: schema 1.1, every additional check."""
    config = LibCoveOCDSConfig({"context": "api", "additional_checks": "all", "standard_zip": standard_zip()})
    with schemas_from_the_project(), tempfile.TemporaryDirectory() as directory:
        return ocds_json_output(directory, json_data=package, schema_version="1.1", lib_cove_ocds_config=config)


def cove_problems(package: dict) -> list[str]:
    """What libcoveocds finds wrong with a package: empty when it is valid, uses only the fields and
    codes the declared schema and code lists have, and has no empty fields."""
    report = cove(package)
    problems = [f"the schema could not be built: {report['json_deref_error']}"] if "json_deref_error" in report else []
    extensions = report.get("extensions") or {}
    problems += [f"extension {url}: {why}" for url, why in extensions.get("invalid_extensions", [])]
    if package.get("extensions") and not extensions.get("is_extended_schema"):
        problems.append("the declared extensions were not applied")
    problems += [f"{error['path']}: {error['description']}" for error in report["validation_errors"]]
    package_fields = set(profile.patched_schema("record-package-schema.json" if "records" in package else "release-package-schema.json")["properties"])
    problems += [
        f"{field['path']}/{field['field']}: not in the schema ({field['usage_count']} uses)" for field in report["additional_fields"]
        # libcoveocds patches the release schema only: a package's own fields from an extension (pagination's links) it reports as additional
        if not (field["path"] == "" and field["field"] in package_fields)
    ]
    for kind in ("closed", "open"):
        problems += [f"{path}: {found['values']} not in the {kind} code list {found['codelist']}" for path, found in report[f"additional_{kind}_codelist_values"].items()]
    for name, found in (report.get("additional_checks") or {}).items():
        problems += [f"{name}: {item.get('json_location', item) if isinstance(item, dict) else item}" for item in found]
    problems += [f"{name}: {value}" for name, value in (report.get("conformance_errors") or {}).items()]
    problems += [f"deprecated field {field}" for field in report["deprecated_fields"]]
    return problems


# --- Dates in order ------------------------------------------------------------------------------


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _periods(value, path: str = ""):
    """Every period (an object with a start or end date) in a release, with its path."""
    if isinstance(value, dict):
        if "startDate" in value or "endDate" in value:
            yield path, value
        for key, item in value.items():
            yield from _periods(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _periods(item, f"{path}/{index}")


def date_order_problems(release: dict) -> list[str]:
    """The dates of a release (or a compiled release) that are out of order: a period ending before it
    starts; enquiries closing after tenders; an award, a contract or its period starting before the
    tenders were in; a document or an amendment dated after the release that publishes it."""
    problems = []

    def before(first: str, first_value: str | None, second: str, second_value: str | None) -> None:
        if first_value and second_value and _moment(first_value) > _moment(second_value):
            problems.append(f"{second} ({second_value}) is before {first} ({first_value})")

    for path, period in _periods(release):
        before(f"{path}/startDate", period.get("startDate"), f"{path}/endDate", period.get("endDate"))
    tender = release.get("tender", {})
    tenders_in = tender.get("tenderPeriod", {}).get("endDate")
    before("/tender/enquiryPeriod/endDate", tender.get("enquiryPeriod", {}).get("endDate"), "/tender/tenderPeriod/endDate", tenders_in)
    before("/tender/tenderPeriod/endDate", tenders_in, "/tender/contractPeriod/startDate", tender.get("contractPeriod", {}).get("startDate"))
    for index, award in enumerate(release.get("awards", [])):
        before("/tender/tenderPeriod/endDate", tenders_in, f"/awards/{index}/date", award.get("date"))
        before("/tender/tenderPeriod/endDate", tenders_in, f"/awards/{index}/contractPeriod/startDate", award.get("contractPeriod", {}).get("startDate"))
        before(f"/awards/{index}/date", award.get("date"), f"/awards/{index}/contractPeriod/endDate", award.get("contractPeriod", {}).get("endDate"))
    for index, contract in enumerate(release.get("contracts", [])):
        start = contract.get("period", {}).get("startDate")
        before("/tender/tenderPeriod/endDate", tenders_in, f"/contracts/{index}/period/startDate", start)
        for number, milestone in enumerate(contract.get("implementation", {}).get("milestones", [])):
            before(f"/contracts/{index}/period/startDate", start, f"/contracts/{index}/implementation/milestones/{number}/dateMet", milestone.get("dateMet"))
    if "compiled" not in release.get("tag", []):  # a compiled release's date is its latest release's
        for section in ("planning", "tender"):
            for index, document in enumerate(release.get(section, {}).get("documents", [])):
                before(f"/{section}/documents/{index}/datePublished", document.get("datePublished"), "/date", release["date"])
        for index, amendment in enumerate(tender.get("amendments", [])):
            before(f"/tender/amendments/{index}/date", amendment.get("date"), "/date", release["date"])
    return problems
