"""A supplier's profile in short pages: each kind of answer on its own page, saying what it changes
in the directory; what is typed is kept on an error, and each page keeps the others' answers."""

from registry.suppliers import service
from tests.support import officer_and_supplier, post_form
from tests.test_framework_pages import sign_in


async def test_a_supplier_builds_its_profile_page_by_page(client, database):
    _, supplier = await officer_and_supplier()
    await sign_in(client, "bids@supplier.example")
    summary = await client.get("/organisation/profile")
    assert 'href="/organisation/profile/about"' in summary.text and "Create the profile" in summary.text

    empty = await post_form(client, "/organisation/profile/about", {"website": "not a website", "action": "continue"})
    assert empty.status_code == 400 and "Describe your organisation" in empty.text and "Enter the website address in full" in empty.text
    assert 'value="not a website"' in empty.text and await service.profile_of(supplier.organisation_id) is None

    about = await post_form(client, "/organisation/profile/about", {"description": "Citizens' panels in Fife.", "action": "continue"})
    assert about.status_code == 303 and about.headers["location"] == "/organisation/profile/regions"
    regions = await client.get("/organisation/profile/regions")
    assert "part 2 of 7" in regions.text and "a direct award checks that you work in every region" in regions.text
    assert 'name="engagement_methods"' not in regions.text  # one kind of answer a page, not ninety checkboxes
    saved = await post_form(client, "/organisation/profile/regions", {"regions": ["fife"], "action": "back"})
    assert saved.headers["location"] == "/organisation/profile?saved=regions"
    assert "Where you work: saved." in (await client.get(saved.headers["location"])).text

    capacity = await post_form(client, "/organisation/profile/capacity", {"capacity": "lots", "action": "back"})
    assert capacity.status_code == 400 and "as a whole number from 1 to 500" in capacity.text and 'value="lots"' in capacity.text
    await post_form(client, "/organisation/profile/capacity", {"capacity": "4", "action": "back"})
    profile = await service.profile_of(supplier.organisation_id)
    assert (profile.description, profile.regions, profile.capacity) == ("Citizens' panels in Fife.", ["fife"], 4)  # each page kept the others
    ppon = await post_form(client, "/organisation/profile/platform", {"ppon": "12-34", "action": "back"})
    assert ppon.status_code == 400 and "like PMZV-7732-XJTM" in ppon.text
    bad_email = await post_form(client, "/organisation/profile/platform", {"ppon": "PMZV-7732-XJTM", "notices_email": "tenders at example", "action": "back"})
    assert bad_email.status_code == 400 and "like tenders@example.org" in bad_email.text and 'value="tenders at example"' in bad_email.text
    await post_form(client, "/organisation/profile/platform", {"ppon": "pmzv 7732-xjtm", "notices_email": "Tenders@Example.org", "action": "back"})
    saved = await service.profile_of(supplier.organisation_id)
    assert (saved.ppon, saved.notices_email) == ("PMZV-7732-XJTM", "tenders@example.org")
    assert (await client.get("/organisation/profile/edit")).headers["location"] == "/organisation/profile/about"
    assert (await client.get("/organisation/profile/nonsense")).status_code == 404
