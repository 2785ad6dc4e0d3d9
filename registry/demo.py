"""Loads the demo data set in fixtures/ (fictional organisations and people), idempotently: records
that already exist are left as they are, so the command can run on every start."""

import json
from dataclasses import dataclass
from pathlib import Path

from registry.accounts import service as accounts
from registry.accounts.passwords import hash_password
from registry.accounts.tables import OrganisationKind, Role, User
from registry.settings import PROJECT_ROOT

FIXTURES_DIR = PROJECT_ROOT / "fixtures"
DEMO_PASSWORD = "participation-demo-2026"


@dataclass(frozen=True)
class DemoSignIn:
    email: str
    full_name: str
    organisation: str
    roles: tuple[str, ...]


def _read(directory: Path, name: str) -> list[dict]:
    return json.loads((directory / name).read_text(encoding="utf-8"))


async def load_fixtures(directory: Path = FIXTURES_DIR) -> list[DemoSignIn]:
    organisations = {}
    for row in _read(directory, "organisations.json"):
        organisation = await accounts.find_organisation(row["legal_name"])
        if organisation is None:
            organisation = await accounts.create_organisation(
                kind=OrganisationKind(row["kind"]),
                legal_name=row["legal_name"],
                registration_number=row.get("registration_number"),
                organisation_type=row.get("organisation_type"),
                size=row.get("size"),
                is_demo=True,
            )
        organisations[organisation.legal_name] = organisation

    sign_ins = []
    demo_password_hash = await hash_password(DEMO_PASSWORD)  # one hash: every demo account shares the password
    for row in _read(directory, "users.json"):
        if not await User.exists().where(User.email == accounts.normalise_email(row["email"])):
            await accounts.create_user(
                email=row["email"],
                full_name=row["full_name"],
                organisation=organisations[row["organisation"]],
                roles=[Role(role) for role in row["roles"]],
                password_hash=demo_password_hash,
                email_confirmed=True,
                is_organisation_admin=row.get("is_organisation_admin", False),
                is_demo=True,
            )
        sign_ins.append(DemoSignIn(row["email"], row["full_name"], row["organisation"], tuple(row["roles"])))
    return sign_ins
