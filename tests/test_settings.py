import pytest
from pydantic import ValidationError

from registry.app import RefusedToStart, create_app
from registry.settings import DEFAULT_AUDIT_KEY, DEFAULT_AUDIT_SIGNING_KEY, DEFAULT_SECRET_KEY, Settings

STRONG_SECRET = "x" * 48


def test_defaults_run_on_a_sqlite_file_under_var_in_development(monkeypatch):
    for name in ("REGISTRY_DATABASE_URL", "REGISTRY_ENVIRONMENT", "REGISTRY_PORT", "REGISTRY_TIME_ZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("/var/registry.sqlite3")
    assert settings.environment == "development"
    assert settings.time_zone == "Europe/London"
    assert settings.port == 8000
    assert settings.applies_migrations_on_start


def test_settings_come_from_registry_environment_variables(monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql://u:p@db.internal:5432/registry")
    monkeypatch.setenv("REGISTRY_PORT", "9100")
    monkeypatch.setenv("REGISTRY_TIME_ZONE", "Europe/Dublin")
    settings = Settings()
    assert settings.database_url == "postgresql://u:p@db.internal:5432/registry"
    assert settings.port == 9100
    assert settings.zone.key == "Europe/Dublin"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "unknown time zone"),
        ("database_url", "mysql://localhost/x", "must start with sqlite:/// or postgresql://"),
        ("port", 70000, "less than or equal to 65535"),
        ("secret_key", "short", "at least 32 characters"),
    ],
)
def test_bad_settings_are_refused_naming_the_problem(field, value, message):
    with pytest.raises(ValidationError) as error:
        Settings(**{field: value})
    assert message in str(error.value)


def test_production_refuses_the_default_secret_key():
    settings = Settings(environment="production", secret_key=DEFAULT_SECRET_KEY)
    with pytest.raises(RefusedToStart, match="REGISTRY_SECRET_KEY is the development default"):
        create_app(settings)


def test_production_refuses_test_clock_control():
    settings = Settings(environment="production", secret_key=STRONG_SECRET, clock_control=True)
    with pytest.raises(RefusedToStart, match="REGISTRY_CLOCK_CONTROL"):
        create_app(settings)


def test_production_applies_migrations_only_by_command():
    assert not Settings(environment="production", secret_key=STRONG_SECRET).applies_migrations_on_start


def test_production_refuses_the_default_password_pepper_and_development_needs_none():
    with pytest.raises(RefusedToStart, match="REGISTRY_PASSWORD_PEPPER is the development default"):
        create_app(Settings(environment="production", secret_key=STRONG_SECRET))
    assert Settings(environment="production", secret_key=STRONG_SECRET, password_pepper=STRONG_SECRET[::-1], **AUDIT_KEYS).production_problems() == []
    assert Settings().production_problems() == []


AUDIT_KEYS = {"audit_key": "k" * 40, "audit_key_id": "2027a", "audit_signing_key": "7Yd8ZbXhZy3m0T4t9n7qkq3r3m0fF3eM6J8k2cN1pQs="}


def test_production_refuses_the_default_audit_keys_and_development_needs_none():
    strong = {"environment": "production", "secret_key": STRONG_SECRET, "password_pepper": STRONG_SECRET[::-1]}
    with pytest.raises(RefusedToStart, match="REGISTRY_AUDIT_KEY is the development default"):
        create_app(Settings(**strong, **{**AUDIT_KEYS, "audit_key": DEFAULT_AUDIT_KEY}))
    with pytest.raises(RefusedToStart, match="REGISTRY_AUDIT_SIGNING_KEY is the development default"):
        create_app(Settings(**strong, **{**AUDIT_KEYS, "audit_signing_key": DEFAULT_AUDIT_SIGNING_KEY}))
    assert Settings(**strong, **AUDIT_KEYS).production_problems() == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"audit_key_id": "2027 key"}, "must be 1 to 32 letters, digits, dots, hyphens or underscores"),
        ({"audit_old_keys": {"2026": "short"}}, "the key '2026' must be at least 32 characters"),
        ({"audit_old_keys": {"dev": "o" * 40}}, "a new key needs a new id"),
        ({"audit_signing_key": "not-base64!"}, "must be 32 bytes in base64"),
        ({"audit_signing_key": "c2hvcnQ="}, "must be 32 bytes in base64, not 5"),
        ({"audit_trusted_public_keys": ["c2hvcnQ="]}, "must be 32 bytes in base64, not 5"),
        ({"audit_checkpoint_hours": 25}, "less than or equal to 24"),
    ],
)
def test_bad_audit_keys_are_refused_naming_the_problem(values, message):
    with pytest.raises(ValidationError) as error:
        Settings(**values)
    assert message in str(error.value)
