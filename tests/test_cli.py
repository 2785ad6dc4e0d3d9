import json
import os
import subprocess
import sys

import pytest

from registry.accounts import service as accounts
from registry.accounts.tables import Organisation, OrganisationKind, User
from registry.cli import main
from registry.demo import DEMO_PASSWORD, FIXTURES_DIR


def run_registry(*args: str, env: dict[str, str | None] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs the real command; an env value of None removes that variable."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env={name: value for name, value in environment.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_bad_argument_prints_usage_and_exits_2(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["frobnicate"])
    assert exit.value.code == 2
    assert "usage: registry" in capsys.readouterr().err


def test_a_missing_required_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["create-user", "--email", "a@b.example"])
    assert exit.value.code == 2
    assert "required" in capsys.readouterr().err


def test_an_unreachable_database_is_one_line_naming_the_setting():
    result = run_registry("migrate", env={"REGISTRY_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "REGISTRY_DATABASE_URL" in lines[0]
    assert "secret" not in lines[0]  # the password is never printed


def test_a_bad_setting_is_named_and_exits_non_zero():
    result = run_registry("migrate", env={"REGISTRY_TIME_ZONE": "Nowhere/Special"})
    assert result.returncode == 1
    assert "REGISTRY_TIME_ZONE: Value error, unknown time zone 'Nowhere/Special'" in result.stderr


def test_commands_log_as_the_server_does_one_json_object_a_line_when_asked(tmp_path):
    result = run_registry("migrate", env={"REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}", "REGISTRY_LOG_FORMAT": "json"})
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.strip().splitlines()]
    applied = next(entry for entry in entries if entry["logger"] == "registry.db.migrations")
    assert applied["level"] == "info" and applied["message"].startswith("applied ")


def test_serve_refuses_production_with_the_default_secret():
    result = run_registry("serve", env={"REGISTRY_ENVIRONMENT": "production", "REGISTRY_SECRET_KEY": None})
    assert result.returncode == 1
    assert "refusing to start in production" in result.stderr
    assert "REGISTRY_SECRET_KEY" in result.stderr


async def test_load_fixtures_is_idempotent_and_lists_the_demo_sign_ins(database, database_url):
    # The demo data takes seconds to load; the timeout leaves room for a busy machine.
    first = run_registry("load-fixtures", env={"REGISTRY_DATABASE_URL": database_url}, timeout=300)
    assert first.returncode == 0, first.stderr
    assert DEMO_PASSWORD in first.stdout
    assert "queued email" not in first.stdout + first.stderr  # the sign-ins are not buried under the demo's hundreds of emails
    for row in json.loads((FIXTURES_DIR / "users.json").read_text(encoding="utf-8")):  # every demo sign-in, with its role
        line = next((line for line in first.stdout.splitlines() if line.split()[:1] == [row["email"]]), None)
        assert line is not None, row["email"]
        assert row["organisation"] in line and row["roles"][0] in line
    assert "supplier (organisation admin)" in first.stdout and "supplier (team member)" in first.stdout
    officer = next(line for line in first.stdout.splitlines() if "officer@civic-participation.example" in line.split())
    assert "procurement_officer *" in officer and "registry demo-code EMAIL" in first.stdout  # officials sign in with a code
    users, organisations = await User.count(), await Organisation.count()
    assert users >= 40 and await Organisation.count().where(Organisation.kind == OrganisationKind.SUPPLIER) >= 35

    second = run_registry("load-fixtures", env={"REGISTRY_DATABASE_URL": database_url}, timeout=300)
    assert second.returncode == 0, second.stderr
    assert (await User.count(), await Organisation.count()) == (users, organisations)


async def test_create_user_adds_an_authority_user_and_refuses_a_duplicate(database, database_url):
    env = {"REGISTRY_DATABASE_URL": database_url}
    await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Northmoor Council")
    args = ["create-user", "--email", "New.Officer@Northmoor.example", "--name", "Nia Jones", "--organisation", "Northmoor Council", "--role", "procurement_officer", "--role", "evaluator"]
    created = run_registry(*args, env=env)
    assert created.returncode == 0, created.stderr
    user = await User.objects().get(User.email == "new.officer@northmoor.example")
    assert sorted(user.roles) == ["evaluator", "procurement_officer"]

    duplicate = run_registry(*args, env=env)
    assert duplicate.returncode == 1
    assert "An account already exists for new.officer@northmoor.example" in duplicate.stderr
    assert await User.count().where(User.email == "new.officer@northmoor.example") == 1


async def test_create_user_names_the_known_organisations_when_one_is_wrong(database, database_url):
    env = {"REGISTRY_DATABASE_URL": database_url}
    await accounts.create_organisation(kind=OrganisationKind.AUTHORITY, legal_name="Northmoor Council")
    result = run_registry("create-user", "--email", "x@y.example", "--name", "X", "--organisation", "Nowhere Council", "--role", "admin", env=env)
    assert result.returncode == 1
    assert "no organisation called 'Nowhere Council'" in result.stderr and "Northmoor Council" in result.stderr


async def test_production_refuses_to_start_with_demo_accounts(database, settings, tmp_path):
    from litestar.testing import AsyncTestClient

    from registry.app import RefusedToStart, create_app
    from registry.demo import load_fixtures

    fixtures = {  # one demo account is enough
        "organisations.json": [{"kind": "authority", "legal_name": "Demo Council"}],
        "users.json": [{"email": "officer@demo-council.example", "full_name": "Demo Officer", "organisation": "Demo Council", "roles": ["procurement_officer"]}],
        "profiles.json": [], "frameworks.json": [], "engagements.json": [],
    }
    for name, rows in fixtures.items():
        (tmp_path / name).write_text(json.dumps(rows), encoding="utf-8")
    await load_fixtures(tmp_path)
    from tests.test_security import PRODUCTION_AUDIT_KEYS

    production = settings.model_copy(update={"environment": "production", "secret_key": "p" * 40, **PRODUCTION_AUDIT_KEYS})
    with pytest.RaisesGroup(pytest.RaisesExc(RefusedToStart, match="demo accounts are present"), flatten_subgroups=True):
        async with AsyncTestClient(app=create_app(production)):
            pass
