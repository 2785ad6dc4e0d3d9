"""GOV.UK's component macros are remembered by their parameters (registry.web.components): a
remembered call must render exactly what the macro renders, and never another call's output."""

from decimal import Decimal

from jinja2 import Environment, PackageLoader, PrefixLoader, select_autoescape
from markupsafe import Markup

from registry.web.components import RememberedMacro, _rendered
from registry.paging import pagination
from registry.web.templating import TEMPLATES_DIR, jinja_environment

IMPORTS = (
    '{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}'
    '{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}'
    '{% from "govuk_frontend_jinja/components/details/macro.html" import govukDetails %}'
)
REMEMBERED = jinja_environment("Europe/London", TEMPLATES_DIR)
PLAIN = Environment(  # GOV.UK's macros as they come
    loader=PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True, lstrip_blocks=True,
)


def both(source: str, **context) -> tuple[str, str]:
    return REMEMBERED.from_string(IMPORTS + source).render(**context), PLAIN.from_string(IMPORTS + source).render(**context)


def test_the_components_a_template_imports_are_remembered():
    module = REMEMBERED.get_template("govuk_frontend_jinja/components/input/macro.html").module
    assert isinstance(module.govukInput, RememberedMacro)
    assert not isinstance(REMEMBERED.get_template("directory/_facets.html").module.facet_checkboxes, RememberedMacro)


def test_a_remembered_call_renders_what_the_macro_renders_every_time():
    source = '{{ govukInput({"label": {"text": "Search"}, "id": "q", "name": "q", "value": value, "errorMessage": error}) }}'
    for value, error in [("deliberative", None), ("<script>", None), ("deliberative", {"text": "Too long"}), ("deliberative", None)]:
        ours, theirs = both(source, value=value, error=error)
        assert ours == theirs
        assert 'value="&lt;script&gt;"' in ours if value == "<script>" else f'value="{value}"' in ours
        assert ("Too long" in ours) == (error is not None)


def test_text_and_the_same_characters_as_markup_are_different_calls():
    source = '{{ govukButton({"text": label}) }}'
    escaped, _ = both(source, label="<b>Save</b>")
    trusted, _ = both(source, label=Markup("<b>Save</b>"))
    assert "&lt;b&gt;Save" in escaped
    assert "<b>Save</b>" in trusted


def test_true_and_one_are_different_calls():
    source = '{{ govukInput({"label": {"text": "Price"}, "id": "p", "name": "p", "value": value}) }}'
    as_true, as_one = both(source, value=True), both(source, value=1)
    assert as_true[0] == as_true[1] and as_one[0] == as_one[1]
    assert 'value="1"' in as_one[0] and 'value="1"' not in as_true[0]


def test_a_call_block_and_long_text_are_rendered_and_not_mixed_up():
    source = '{% call govukDetails({"summaryText": "Help"}) %}<p>{{ body }}</p>{% endcall %}'
    for body in ("First answer", "Second answer"):
        ours, theirs = both(source, body=body)
        assert ours == theirs and body in ours
    long_answer = "word " * 1000
    ours, theirs = both('{{ govukInput({"label": {"text": "Answer"}, "id": "a", "name": "a", "value": value}) }}', value=long_answer)
    assert ours == theirs


def test_equal_numbers_written_differently_are_different_calls():
    source = '{{ govukInput({"label": {"text": "Price"}, "id": "p", "name": "p", "value": value}) }}'
    assert 'value="1.0"' in both(source, value=Decimal("1.0"))[0]
    assert 'value="1.00"' in both(source, value=Decimal("1.00"))[0]


def test_the_written_out_pagination_renders_what_govuk_pagination_renders():
    ours = REMEMBERED.from_string('{% from "macros/pagination.html" import page_links %}{{ page_links(params) }}')
    theirs = PLAIN.from_string('{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}{{ govukPagination(params) }}')
    for pages in (2, 3, 9):
        for page in range(1, pages + 1):
            params = pagination(page, pages, lambda number: f"/suppliers?q=a&b&seed=7&page={number}")
            assert " ".join(ours.render(params=params).split()) == " ".join(theirs.render(params=params).split()), (page, pages)


def test_a_list_and_a_tuple_or_keys_of_different_types_are_different_calls():
    for text in (["a"], ("a",)):
        ours, theirs = both('{{ govukButton({"text": text}) }}', text=text)
        assert ours == theirs
    for attributes in ({1: "q"}, {True: "q"}, {"data-x": "q"}, {Markup("data-x"): "q"}):
        ours, theirs = both('{{ govukButton({"text": "Go", "attributes": attributes}) }}', attributes=attributes)
        assert ours == theirs


def test_a_repeated_call_is_served_from_what_was_kept_and_long_text_is_not_kept():
    source = '{{ govukButton({"text": value}) }}'  # a component that calls no other component
    kept = _rendered.cache_info()
    both(source, value="short and repeated")
    both(source, value="short and repeated")
    assert _rendered.cache_info().hits == kept.hits + 1
    kept = _rendered.cache_info()
    both(source, value="word " * 1000)
    assert _rendered.cache_info() == kept, "rendered without being kept"
