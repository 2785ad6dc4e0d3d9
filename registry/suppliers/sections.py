"""A supplier's profile in short pages, one for each kind of answer, each saying what that answer
changes in the directory (and in the checks a direct award makes of a brief)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    fields: tuple[str, ...]
    directory: str  # what the answers change in the supplier directory


SECTIONS = (
    Section("about", "About your organisation", ("trading_name", "description", "address_line_1", "address_line_2", "town", "postcode", "website"),
            "Commissioners read your description first on your page in the supplier directory, and search its words."),
    Section("regions", "Where you work", ("regions",),
            "Commissioners filter the directory by region: you are found for the regions you choose, and a direct award checks that "
            "you work in every region its brief names."),
    Section("methods", "How you work", ("engagement_methods",),
            "Commissioners filter the directory by method, and a direct award checks that you offer every method its brief asks for."),
    Section("groups", "Who you work with", ("groups",),
            "Commissioners filter the directory by the groups of people you reach, and a direct award checks that you work with every "
            "group its brief must reach."),
    Section("access", "Languages and accessible formats", ("languages", "accessible_formats"),
            "Commissioners filter the directory by language and by accessible format."),
    Section("capacity", "How much work you can take on", ("capacity",),
            "Commissioners see how many places you have left, and a direct award passes over a supplier with none left. If you do not "
            "say, you are shown as \"capacity not stated\"."),
    Section("platform", "Central Digital Platform", ("ppon", "notices_email"),
            "Not shown in the directory. Your organisation's Public Procurement Organisation Number (PPON) from the Central Digital "
            "Platform (Find a Tender) is offered on every tender you prepare for a framework under the Procurement Act 2023, "
            "where the Procurement Regulations 2024 (reg. 6) ask for your core supplier information. If you are appointed to such "
            "a framework, its contract award notice publishes the PPON and the email address you give here for notices."),
)
BY_SLUG = {section.slug: section for section in SECTIONS}


def after(section: Section) -> Section | None:
    """The next section, for "Save and continue"."""
    index = SECTIONS.index(section)
    return SECTIONS[index + 1] if index + 1 < len(SECTIONS) else None
