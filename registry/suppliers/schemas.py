import re
from typing import ClassVar

from pydantic import field_validator

from registry.email_addresses import is_email_address
from registry.reference import taxonomies
from registry.suppliers.service import Profile, normal_ppon, ppon_problem
from registry.numbers import is_whole_number
from registry.web.forms import Form

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


class ProfileForm(Form):
    messages: ClassVar = {}
    multi_value_fields: ClassVar = ("regions", "engagement_methods", "groups", "languages", "accessible_formats")
    trading_name: str = ""
    description: str = ""  # needed for a complete profile (service.missing), asked for on its own page
    address_line_1: str = ""
    address_line_2: str = ""
    town: str = ""
    postcode: str = ""
    website: str = ""
    regions: taxonomies.codes_field("regions", "regions") = []
    engagement_methods: taxonomies.codes_field("engagement_methods", "engagement methods") = []
    groups: taxonomies.codes_field("groups", "groups") = []
    languages: taxonomies.codes_field("languages", "languages") = []
    accessible_formats: taxonomies.codes_field("accessible_formats", "accessible formats") = []
    capacity: str | None = None
    ppon: str = ""
    notices_email: str = ""

    @field_validator("notices_email")
    @classmethod
    def _notices_email(cls, value: str) -> str:
        value = value.strip().lower()
        if value and not is_email_address(value):
            raise ValueError("Enter an email address in the correct format, like tenders@example.org")
        return value

    @field_validator("ppon")
    @classmethod
    def _ppon(cls, value: str) -> str:
        value = normal_ppon(value)
        if value and (problem := ppon_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        if len(value) > 5000:
            raise ValueError("Description must be 5,000 characters or fewer")
        return value

    @field_validator("trading_name", "address_line_1", "address_line_2", "town")
    @classmethod
    def _short(cls, value: str) -> str:
        if len(value) > 200:
            raise ValueError("Must be 200 characters or fewer")
        return value

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        value = value.upper()
        if value and not POSTCODE.match(value):
            raise ValueError("Enter a real postcode, like EH1 3DG")
        return value

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise ValueError("Enter the website address in full, like https://www.example.org")
        return value

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, value: str | None) -> str | None:
        if value is not None and (not is_whole_number(value) or not 1 <= int(value) <= 500):
            raise ValueError("Enter how many engagements you can run at once, as a whole number from 1 to 500")
        return value

    def profile(self) -> Profile:
        return Profile(
            trading_name=self.trading_name, description=self.description, address_line_1=self.address_line_1,
            address_line_2=self.address_line_2, town=self.town, postcode=self.postcode, website=self.website,
            regions=tuple(self.regions), engagement_methods=tuple(self.engagement_methods), groups=tuple(self.groups),
            languages=tuple(self.languages), accessible_formats=tuple(self.accessible_formats),
            capacity=int(self.capacity) if self.capacity else None, ppon=self.ppon, notices_email=self.notices_email,
        )
