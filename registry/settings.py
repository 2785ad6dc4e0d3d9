"""One Settings object, read from `REGISTRY_` environment variables by the app factory and the CLI."""

import base64
import binascii
import re
from enum import StrEnum
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from registry.logs import LogFormat
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
DEFAULT_PASSWORD_PEPPER = "development-only-password-pepper-do-not-use-in-production"
DEFAULT_AUDIT_KEY = "development-only-audit-key-do-not-use-in-production"
DEFAULT_AUDIT_SIGNING_KEY = "DJByUJdoK2wUIdeZAxrZpv4gzi1IvfPieFaDFgHOsFk="  # an Ed25519 seed everyone can read: development only
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")


def ed25519_key_bytes(text: str) -> bytes:
    """The 32 bytes of an Ed25519 key written in base64 (a private key's seed, or a public key)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be 32 bytes in base64 (44 characters ending in =)") from None
    if len(raw) != 32:
        raise ValueError(f"must be 32 bytes in base64, not {len(raw)}")
    return raw


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'registry.sqlite3'}",
        description="sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:port/database",
    )
    secret_key: str = Field(default=DEFAULT_SECRET_KEY, min_length=32)
    password_pepper: str = Field(
        default=DEFAULT_PASSWORD_PEPPER, min_length=32,
        description="A secret mixed into every password before it is hashed, kept out of the database (and apart from the "
        "secret key, which can then be rotated alone); changing it makes every password hashed with it unusable",
    )
    audit_key: str = Field(
        default=DEFAULT_AUDIT_KEY, min_length=32,
        description="The secret that keys every audit event's hash (HMAC-SHA256), kept out of the database: without it no one can "
        "recompute the chain after changing an event",
    )
    audit_key_id: str = Field(default="dev", description="The name recorded with each event hashed with REGISTRY_AUDIT_KEY; a new key, a new id")
    audit_old_keys: dict[str, str] = Field(
        default={}, description="Earlier audit keys by their ids, as JSON ({\"2026a\": \"…\"}): events hashed with them still verify",
    )
    audit_signing_key: str = Field(
        default=DEFAULT_AUDIT_SIGNING_KEY,
        description="The Ed25519 private key (its 32-byte seed in base64) that signs the audit log's published checkpoints",
    )
    audit_trusted_public_keys: list[str] = Field(
        default=[], description="Public keys (base64) of earlier signing keys, as JSON: checkpoints they signed still verify",
    )
    audit_checkpoint_hours: int = Field(
        default=24, ge=1, le=24, description="The longest the audit log goes without a published checkpoint of its head",
    )
    environment: Environment = Environment.DEVELOPMENT
    time_zone: str = "Europe/London"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="The service's public address, for links in emails"
    )
    smtp_url: str | None = Field(
        default=None, description="smtp://user:password@host:port (or smtps://, smtp+starttls://); unset: messages wait in the outbox"
    )
    mail_from: str = "Participation Framework Registry <no-reply@participation-registry.invalid>"
    support_email: str = Field(
        default="support@participation-registry.invalid",
        description="Where feedback and reports of accessibility problems go; named on the accessibility statement and the privacy notice",
    )
    mail_poll_seconds: float = Field(default=15, gt=0)
    reminder_days: list[int] = Field(default=[7, 1], description="Days before each deadline to remind suppliers")
    officer_cooling_off_days: int = Field(
        default=14, ge=0, le=365,
        description="Days after an admin's grant of the procurement officer role is approved before that officer may take part in "
        "opening tenders or approving an award (separation of duties)",
    )
    abnormally_low_share: float = Field(
        default=0.7, gt=0, lt=1, description="A compliant price under this share of the lot's median compliant price is flagged as abnormally low"
    )
    ocid_prefix: str = Field(
        default="ocds-unregistered",
        description="The OCDS ocid prefix the Open Contracting Partnership registered for this publisher (ocds- and six characters); "
        "the default is a placeholder that says it is unregistered: register a prefix and set it before publishing real data",
    )
    open_data_publisher: str = Field(
        default="Participation Framework Registry", description="The publisher named in the open data (OCDS packages and the open-data page)"
    )
    workers: int = Field(default=1, ge=1, le=64)
    postgres_pool_size: int = Field(
        default=10, ge=0, le=200, description="Connections per worker; 0 opens a connection per query (tests)"
    )
    database_timeout_seconds: float = Field(
        default=5, gt=0, description="The longest a page waits for one database statement (PostgreSQL) or for the write lock (SQLite) "
        "before it answers 503: the database is too slow or away",
    )
    database_connect_timeout_seconds: float = Field(
        default=5, gt=0, description="The longest a page waits to open a PostgreSQL connection, or for a free one from the pool",
    )
    min_free_disk_mb: int = Field(
        default=100, ge=0, description="Readiness (/readyz) fails when the database's or the documents' disk has less free space than this",
    )
    migrate_on_start: bool | None = Field(
        default=None, description="Apply migrations when the app starts; by default only in development."
    )
    clock_control: bool = Field(
        default=False, description="Test-only: lets a test move the server clock through /_test/clock."
    )
    log_format: LogFormat | None = Field(
        default=None, description="json (one object a line, for a log pipeline) or text; by default json in production, text otherwise"
    )
    shutdown_grace_seconds: float = Field(
        default=30, gt=0, description="On SIGTERM or SIGINT, how long requests in flight may take to finish before the server stops"
    )
    header_timeout_seconds: float = Field(
        default=10, gt=0, description="`registry serve` answers 408 and disconnects a client that has not sent a request's headers within this"
    )
    body_timeout_seconds: float = Field(
        default=30, gt=0, description="`registry serve` answers 408 and disconnects a client whose request body stops arriving for this long"
    )
    keep_alive_seconds: float = Field(default=5, gt=0, description="`registry serve` closes a connection idle between requests after this")
    trust_forwarded_for: bool = Field(
        default=False, description="Take the client's address from X-Forwarded-For when the request comes from one of "
        "REGISTRY_TRUSTED_PROXIES (the rightmost address in it that is not a trusted proxy); off: the address the connection comes from",
    )
    trusted_proxies: list[str] = Field(
        default=["127.0.0.1", "::1"], description="The reverse proxies whose X-Forwarded-For is believed (addresses or networks, "
        "like 10.0.0.0/8), when REGISTRY_TRUST_FORWARDED_FOR is on",
    )
    files_dir: Path = Field(default=PROJECT_ROOT / "var" / "files", description="Where uploaded documents are kept (outside the web root)")
    assets_dir: Path = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/London") from None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network, like 10.0.0.1 or 10.0.0.0/8") from None
        return value

    @field_validator("ocid_prefix")
    @classmethod
    def _ocid_prefix(cls, value: str) -> str:
        if not value.startswith("ocds-") or len(value) < 6 or any(c.isspace() or c == "#" for c in value):
            raise ValueError("must start with ocds- (for example ocds-a1b2c3), without spaces or #")
        return value

    @field_validator("audit_key_id")
    @classmethod
    def _key_id(cls, value: str) -> str:
        if not KEY_ID.fullmatch(value):
            raise ValueError("must be 1 to 32 letters, digits, dots, hyphens or underscores")
        return value

    @field_validator("audit_old_keys")
    @classmethod
    def _old_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key_id, secret in value.items():
            if not KEY_ID.fullmatch(key_id):
                raise ValueError(f"the key id {key_id!r} must be 1 to 32 letters, digits, dots, hyphens or underscores")
            if len(secret) < 32:
                raise ValueError(f"the key {key_id!r} must be at least 32 characters")
        return value

    @field_validator("audit_signing_key")
    @classmethod
    def _signing_key(cls, value: str) -> str:
        ed25519_key_bytes(value)
        return value

    @field_validator("audit_trusted_public_keys")
    @classmethod
    def _public_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            ed25519_key_bytes(key)
        return value

    @model_validator(mode="after")
    def _one_key_per_id(self) -> "Settings":
        if self.audit_old_keys.get(self.audit_key_id, self.audit_key) != self.audit_key:
            raise ValueError("REGISTRY_AUDIT_OLD_KEYS gives another key the id of REGISTRY_AUDIT_KEY_ID: a new key needs a new id")
        return self

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.PRODUCTION

    @property
    def applies_migrations_on_start(self) -> bool:
        if self.migrate_on_start is None:
            return not self.is_production
        return self.migrate_on_start

    @property
    def logs_as(self) -> LogFormat:
        return self.log_format or ("json" if self.is_production else "text")

    @property
    def mail_host(self) -> str:
        """The host named in every email's Message-ID: the service's public host."""
        return urlsplit(self.base_url).hostname or "localhost"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve real users (empty when it may)."""
        if not self.is_production:
            return []
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY:
            problems.append("REGISTRY_SECRET_KEY is the development default; set a long random secret")
        if self.password_pepper == DEFAULT_PASSWORD_PEPPER:
            problems.append("REGISTRY_PASSWORD_PEPPER is the development default; set a long random secret, and keep it")
        if self.audit_key == DEFAULT_AUDIT_KEY:
            problems.append("REGISTRY_AUDIT_KEY is the development default; set a long random secret, with REGISTRY_AUDIT_KEY_ID")
        if self.audit_signing_key == DEFAULT_AUDIT_SIGNING_KEY:
            problems.append("REGISTRY_AUDIT_SIGNING_KEY is the development default; set a new Ed25519 key (see docs/operations.md)")
        if self.clock_control:
            problems.append("REGISTRY_CLOCK_CONTROL is on; the clock can only be controlled in tests")
        return problems
