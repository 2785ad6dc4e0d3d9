"""The frameworks service keeps its own rules: whatever calls it (a page, the API, a script), details
and lots that break a rule are refused, each field named with what to say beside it, and nothing is
saved. No HTTP here."""

import pytest

from registry.errors import Invalid
from registry.frameworks import service
from registry.frameworks.tables import Framework, Lot, Notice, State
from tests.support import officer_and_supplier
from tests.test_frameworks import DETAILS, draft_with_lots


async def test_a_framework_with_details_that_break_the_rules_is_not_created(database):
    officer, _ = await officer_and_supplier()
    with pytest.raises(Invalid) as refusal:
        await service.create(officer, {
            **dict(DETAILS), "title": "T" * 201, "summary": "S" * 601, "estimated_value": 2_000_000_001, "duration_months": 0,
            "contact_email": "nobody", "cpv_codes": ("79311000", "99999999"),
        })
    assert refusal.value.problems == {
        "title": "Title must be 200 characters or fewer",
        "summary": "Summary must be 600 characters or fewer",
        "estimated_value": "Estimated value must be £2,000,000,000 or less",
        "duration_months": "Enter the duration as a whole number of months, like 36",
        "contact_email": "Enter the contact email address in the correct format, like procurement@council.example",
        "cpv_codes": "“99999999” is not a CPV code: enter codes from the CPV list, like 79311000-7",
    }
    assert await Framework.count() == 0


async def test_details_changed_after_they_were_made_are_checked_again_when_saved(database):
    officer, _ = await officer_and_supplier()
    framework = await service.create(officer, DETAILS)
    untitled = DETAILS.model_copy(update={"title": " ", "estimated_value": -5, "duration_months": 49})  # a copy is not checked
    with pytest.raises(Invalid) as refusal:
        await service.update_details(officer, framework.reference, untitled)
    assert refusal.value.problems == {
        "title": "Enter the framework's title",
        "estimated_value": "Enter the estimated value in whole pounds, like 2500000",
        "duration_months": (
            "A framework can last at most 48 months (4 years): Public Contracts (Scotland) Regulations 2015 reg. 34(2)"
            " (the exceptional cases it allows need reasons the registry does not record)"
        ),
    }
    assert (await service.get(framework.reference)).title == DETAILS.title


async def test_a_lot_that_breaks_the_rules_is_not_saved(database):
    officer, _ = await officer_and_supplier()
    framework = await service.create(officer, DETAILS)
    with pytest.raises(Invalid) as refusal:
        await service.save_lot(
            officer, framework.reference, number=None, title="", scope="", subject="astrology", max_suppliers=500, estimated_value=-1,
        )
    assert refusal.value.problems == {
        "title": "Enter the lot's title",
        "scope": "Describe what the lot covers",
        "subject": "Select the lot's subject from the list",
        "max_suppliers": "Enter a whole number of suppliers from 1 to 100",
        "estimated_value": "Enter the estimated value in whole pounds, like 2500000",
    }
    assert await Lot.count() == 0


async def test_an_amendment_must_say_what_changed_and_keep_the_rules(database):
    officer, _ = await officer_and_supplier()
    framework = await draft_with_lots(officer)
    await service.move(officer, framework.reference, State.PIN_PUBLISHED)
    with pytest.raises(Invalid) as refusal:
        await service.amend_notice(officer, framework.reference, DETAILS.model_copy(update={"estimated_value": 10**12}), " ")
    assert refusal.value.problems == {
        "estimated_value": "Estimated value must be £2,000,000,000 or less",
        "change_summary": "Say what has changed, for the notice's readers",
    }
    assert await Notice.count() == 1  # the first version only
