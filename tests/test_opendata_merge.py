"""Compiling a record: the releases merged by the OCDS 1.1 merge rules (ocdsmerge, with the rules of the declared schema), on a small hand-made example."""

import pytest

from registry.opendata.ocds import compile_releases
from tests.ocds_validation import schema_errors

OCID = "ocds-test00-1"

PLANNING = {
    "ocid": OCID, "id": "1", "date": "2027-01-01T09:00:00Z", "tag": ["planning"], "initiationType": "tender",
    "parties": [{"id": "A", "name": "Authority", "roles": ["buyer"]}],
    "tender": {
        "id": "T", "title": "Old title", "description": "Dropped later", "status": "planning",
        "documents": [{"id": "d1", "title": "Notice", "documentType": "plannedProcurementNotice"}],
        "items": [{"id": "i1", "description": "Citizens' panels", "quantity": 1}],
    },
}
TENDER = {
    "ocid": OCID, "id": "2", "date": "2027-02-01T09:00:00Z", "tag": ["tender"], "initiationType": "tender",
    "parties": [{"id": "A", "roles": ["buyer", "procuringEntity"]}, {"id": "B", "name": "Supplier", "roles": ["tenderer"]}],
    "tender": {
        "id": "T", "title": "New title", "description": None, "status": "active",
        "documents": [{"id": "d2", "title": "Clarifications"}, {"id": "d1", "url": "https://example.org/notice"}],
        "items": [{"id": "i1", "quantity": 2}],
        "submissionMethod": ["electronicSubmission", "written"],
    },
}
AWARD = {
    "ocid": OCID, "id": "3", "date": "2027-03-01T09:00:00Z", "tag": ["award"], "initiationType": "tender",
    "parties": [{"id": "B", "roles": ["tenderer", "supplier"]}],
    "tender": {"id": "T", "status": "complete", "submissionMethod": ["electronicSubmission"]},
    "awards": [{"id": "a1", "status": "active", "suppliers": [{"id": "B", "name": "Supplier"}]}],
}
EXPECTED = {
    "ocid": OCID, "id": f"{OCID}-2027-03-01T09:00:00Z", "date": "2027-03-01T09:00:00Z", "tag": ["compiled"], "initiationType": "tender",
    "parties": [  # merged by id, in first-seen order; arrays of strings (roles) replaced by the latest
        {"id": "A", "name": "Authority", "roles": ["buyer", "procuringEntity"]},
        {"id": "B", "name": "Supplier", "roles": ["tenderer", "supplier"]},
    ],
    "tender": {
        "id": "T", "title": "New title", "status": "complete",  # later values replace earlier; null removed the description
        "documents": [
            {"id": "d1", "title": "Notice", "documentType": "plannedProcurementNotice", "url": "https://example.org/notice"},
            {"id": "d2", "title": "Clarifications"},
        ],
        "items": [{"id": "i1", "description": "Citizens' panels", "quantity": 2}],
        "submissionMethod": ["electronicSubmission"],
    },
    "awards": [{"id": "a1", "status": "active", "suppliers": [{"id": "B", "name": "Supplier"}]}],
}


def test_the_compiled_release_merges_the_releases_in_date_order():
    compiled = compile_releases([AWARD, PLANNING, TENDER])  # in any order: merged by date
    assert compiled == EXPECTED
    assert not schema_errors("release", compiled)


def test_merging_leaves_the_releases_themselves_unchanged():
    before = repr([PLANNING, TENDER, AWARD])
    compile_releases([PLANNING, TENDER, AWARD])
    assert repr([PLANNING, TENDER, AWARD]) == before


def test_a_single_release_compiles_to_itself_without_the_release_metadata():
    compiled = compile_releases([PLANNING])
    assert compiled == {**PLANNING, "id": f"{OCID}-2027-01-01T09:00:00Z", "tag": ["compiled"]}
    with pytest.raises(ValueError):
        compile_releases([])
