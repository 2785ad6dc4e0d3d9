"""The audit log's secrets, kept out of the database it protects.

- Hash keys: each event's hash is HMAC-SHA256 keyed with the current key (REGISTRY_AUDIT_KEY), and
  the event records the key's id (REGISTRY_AUDIT_KEY_ID). Earlier keys stay, by id, so that the
  events they hashed still verify (REGISTRY_AUDIT_OLD_KEYS).
- The signing key: an Ed25519 key (REGISTRY_AUDIT_SIGNING_KEY) signs each checkpoint of the log's
  head and the published file of them. Its public key is published; a key's id is the start of the
  SHA-256 of its public key, so that anyone can tell which key signed what. Checkpoints signed by
  earlier keys still verify with their public keys (REGISTRY_AUDIT_TRUSTED_PUBLIC_KEYS).
"""

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.settings import Settings, ed25519_key_bytes


def public_key_text(key: Ed25519PublicKey) -> str:
    """The public key as published: its 32 bytes in base64."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(ed25519_key_bytes(text))


def key_id_of(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def signature_verifies(key: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Keys:
    hash_key_id: str
    hash_keys: Mapping[str, bytes]  # by id: the current key and the earlier ones
    signing_key: Ed25519PrivateKey
    trusted: Mapping[str, Ed25519PublicKey]  # by key id: the signing key's public key and earlier ones

    @property
    def hash_key(self) -> bytes:
        return self.hash_keys[self.hash_key_id]

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @property
    def signing_key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.signing_key.sign(message)).decode()


def from_settings(settings: Settings) -> Keys:
    signing_key = Ed25519PrivateKey.from_private_bytes(ed25519_key_bytes(settings.audit_signing_key))
    trusted = {key_id_of(key): key for key in map(public_key_from_text, settings.audit_trusted_public_keys)}
    trusted[key_id_of(signing_key.public_key())] = signing_key.public_key()
    hash_keys = {key_id: secret.encode() for key_id, secret in settings.audit_old_keys.items()}
    hash_keys[settings.audit_key_id] = settings.audit_key.encode()
    return Keys(hash_key_id=settings.audit_key_id, hash_keys=hash_keys, signing_key=signing_key, trusted=trusted)


_keys: Keys | None = None


def configure(keys: Keys | None) -> Keys | None:
    """Use `keys` from now on (registry.app and the CLI, from their settings; None: the environment's);
    returns those it replaces."""
    global _keys
    previous, _keys = _keys, keys
    return previous


def current() -> Keys:
    if _keys is None:  # a command or a test that did not build the app: read the environment
        configure(from_settings(Settings()))
    return _keys
