"""The OCDS schema the registry publishes against is inside the project, and the packages declare
exactly the versions kept there: versioned addresses that never change, each with its files and
licence, and together a schema whose every reference resolves."""

import json
import re

from registry.opendata import ocds, profile
from tests.ocds_validation import cove_problems, extended_release_schema

SCHEMA_NAMES = ("release-schema.json", "release-package-schema.json", "record-package-schema.json")


def test_the_packages_declare_versioned_extensions_and_each_one_is_kept_in_the_project():
    assert ocds.EXTENSIONS == profile.EXTENSIONS
    for url in ocds.EXTENSIONS:
        version = url.split("/")[-2]
        assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}", version), f"{url}: not a release tag or a commit"
        metadata_file = profile.vendored_file(url)
        assert metadata_file is not None, f"{url} is not kept in the project"
        metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
        assert "1.1" in metadata["compatibility"]
        base = url.removesuffix("extension.json")
        for name in metadata["schemas"] + [f"codelists/{name}" for name in metadata.get("codelists", [])]:
            assert profile.vendored_file(base + name) is not None, f"{base}{name} is not kept in the project"
        assert "Apache License" in (metadata_file.parent / "LICENSE").read_text(encoding="utf-8")
    kept = {path.relative_to(profile.EXTENSIONS_DIR).parts[:2] for path in profile.EXTENSIONS_DIR.glob("*/*")}
    assert kept == set(profile.EXTENSION_VERSIONS.items()), "an extension kept in the project but not declared"


def test_only_a_declared_version_is_read_from_the_project():
    lots = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension"
    assert profile.vendored_file(f"{lots}/v1.1.5/release-schema.json") is not None
    for url in (f"{lots}/master/extension.json", f"{lots}/v1.1.5/../v1.1.5/extension.json", f"{lots}/v1.1.5/", "https://example.org/extension.json"):
        assert profile.vendored_file(url) is None, url


def test_the_standard_is_kept_whole_with_its_licence():
    for name in (*SCHEMA_NAMES, "versioned-release-validation-schema.json"):
        schema = profile.standard_schema(name)
        assert schema["id"] == f"https://standard.open-contracting.org/schema/{profile.STANDARD_TAG}/{name}"
    assert {"releaseTag.csv", "tenderStatus.csv", "documentType.csv"} <= {path.name for path in (profile.STANDARD_DIR / "codelists").glob("*.csv")}
    licence = (profile.STANDARD_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Open Contracting Partnership" in licence and "Apache License" in licence


def test_the_extended_release_schema_resolves_every_reference():
    """The lots extension's master branch refers to a definition OCDS 1.1.5 lacks (SubmissionTerms),
    which leaves the community's tools unable to build the schema: the declared versions do not."""
    schema = profile.release_schema()
    references = set(re.findall(r'"\$ref": "([^"]*)"', json.dumps(schema)))
    assert references and all(reference.startswith("#/definitions/") for reference in references)
    assert {reference.removeprefix("#/definitions/") for reference in references} <= set(schema["definitions"])
    definitions = schema["definitions"]
    assert definitions["Tender"]["properties"]["lots"]["items"] == {"$ref": "#/definitions/Lot"}
    assert {"id", "title", "status", "value", "techniques"} <= set(definitions["Lot"]["properties"])
    assert "competitive" in definitions["Tender"]["properties"]
    assert "relatedLots" not in definitions["RelatedProcess"]["properties"]  # only lots' master has it


# --- The community's tools, offline -----------------------------------------------------------------


def test_the_registrys_extended_schema_is_the_one_the_ocds_tools_build():
    assert profile.release_schema() == extended_release_schema()


def test_libcoveocds_runs_offline_and_reports_what_the_declared_schema_lacks():
    release = {
        "ocid": "ocds-abc123-PF-1", "id": "PF-1-pin-v1", "date": "2027-01-01T09:00:00Z", "tag": ["planning"], "initiationType": "tender",
        "tender": {"id": "PF-1", "status": "planning", "lots": [{"id": "1", "title": "Lot 1"}], "techniques": {"hasFrameworkAgreement": True}},
    }
    package = {
        "uri": "https://registry.example/open-data/ocds/releases.json", "version": "1.1", "publishedDate": "2027-01-01T09:00:00Z",
        "publisher": {"name": "A registry"}, "extensions": ocds.EXTENSIONS, "links": {"next": "https://registry.example/more"}, "releases": [release],
    }
    assert cove_problems(package) == []

    related = {**release, "relatedProcesses": [{"id": "1", "relationship": ["framework"], "relatedLots": ["1"]}], "tender": {**release["tender"], "title": ""}}
    assert cove_problems({**package, "releases": [related]}) == [
        "/releases/relatedProcesses/relatedLots: not in the schema (1 uses)", "empty_field: releases/0/tender/title",
    ]
    master = ocds.EXTENSIONS[0].replace("/v1.1.5/", "/master/")
    assert any(master in problem for problem in cove_problems({**package, "extensions": [master]}))  # not kept: never fetched
