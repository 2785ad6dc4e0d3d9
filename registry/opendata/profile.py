"""The version of OCDS this registry publishes against, kept inside the project: the standard's
1.1.5 schemas and code lists and the exact version of each extension the packages declare, as
their authors published them (schema/README.md says where each comes from, under which licence).

A declared extension is a versioned address – a tag, or a commit where the extension has no tags –
so that what a package declares never changes after it is published. Every declared address has its
files here, so nothing needs the network to read, patch or check the schema."""

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

SCHEMA_DIR = Path(__file__).parent / "schema"
STANDARD_TAG = "1__1__5"
STANDARD_DIR = SCHEMA_DIR / "standard" / STANDARD_TAG
EXTENSIONS_DIR = SCHEMA_DIR / "extensions"
RAW = "https://raw.githubusercontent.com/open-contracting-extensions"
# Each extension's repository and the version declared. Lots and Bids are at their last release tags
# (1.1.5): lots' master branch refers to a definition (SubmissionTerms) that OCDS 1.1.5 lacks. The
# others have no tags: each is pinned to the commit at the head of its default branch when it was vendored.
EXTENSION_VERSIONS = {
    "ocds_lots_extension": "v1.1.5",
    "ocds_techniques_extension": "5568b00a8dd694a3d34441bdd9ef2bd3f9d44b11",
    "ocds_competitive_extension": "66a0805c26a786fa5c4066c886964e2808654c10",
    "ocds_pagination_extension": "a0df51b5214325561d4efde52f775ea75271c683",
    "ocds_bid_extension": "v1.1.5",
}
EXTENSIONS = [f"{RAW}/{repository}/{version}/extension.json" for repository, version in EXTENSION_VERSIONS.items()]


def vendored_file(url: str) -> Path | None:
    """The copy in the project of a declared extension's file (its extension.json, a schema patch
    or a code list), addressed as the package declares it; None for any other address."""
    if not url.startswith(RAW + "/"):
        return None
    repository, version, *rest = urlsplit(url).path.split("/")[2:]
    if EXTENSION_VERSIONS.get(repository) != version or not rest or ".." in rest:
        return None
    path = EXTENSIONS_DIR.joinpath(repository, version, *rest)
    return path if path.is_file() else None


def extension_dir(repository: str) -> Path:
    return EXTENSIONS_DIR / repository / EXTENSION_VERSIONS[repository]


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def standard_schema(name: str) -> dict:
    """One of the standard's schemas (release-schema.json, release-package-schema.json…) as the
    standard's site publishes it: with its links' {{lang}} and {{version}} filled in."""
    text = (STANDARD_DIR / name).read_text(encoding="utf-8")
    return json.loads(text.replace("{{lang}}", "en").replace("{{version}}", ".".join(STANDARD_TAG.split("__")[:2])))


def merge_patch(target, patch):
    """`patch` applied to `target` as a JSON Merge Patch (RFC 7386), the way extensions patch the schema."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _without_nulls(patch):
    """An extension may not remove from the schema: the standard's tools drop a patch's nulls first."""
    if isinstance(patch, dict):
        return {key: _without_nulls(value) for key, value in patch.items() if value is not None}
    if isinstance(patch, list):
        return [_without_nulls(value) for value in patch]
    return patch


def patched_schema(name: str) -> dict:
    """The standard's schema `name` with every declared extension's patch of it applied, in order."""
    schema = standard_schema(name)
    for repository in EXTENSION_VERSIONS:
        patch = extension_dir(repository) / name
        if patch.is_file():
            schema = merge_patch(schema, _without_nulls(_read(patch)))
    return schema


@cache
def release_schema() -> dict:
    """The release schema as this registry's packages declare it: OCDS 1.1.5 and its extensions.
    (Cached: do not change what it returns.)"""
    return patched_schema("release-schema.json")
