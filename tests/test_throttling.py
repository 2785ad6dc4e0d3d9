"""Throttling that cannot be turned into a lockout (issue 22 item 5): a stranger's wrong passwords
for someone's account slow down the stranger's address, with a wait that doubles, each refusal
audited; the owner, from another address, signs in at once. And the one reading of the client's
address, with X-Forwarded-For believed only from trusted proxies."""

import json
from datetime import timedelta

import httpx
import pytest

from registry.accounts.errors import TooManyAttempts
from registry.accounts import service, throttling
from registry.audit.tables import AuditEvent
from registry.web.client import address_of
from tests.conftest import app_for, serving
from tests.support import PASSWORD, make_user, post_form

STRANGER = "203.0.113.66"
OWNER = "198.51.100.20"


async def test_a_strangers_wrong_passwords_never_keep_the_owner_out_and_the_stranger_waits_longer_each_time(database, controlled_clock):
    user = await make_user()
    for _ in range(throttling.FREE_FAILURES_PER_CLIENT):
        with pytest.raises(service.SignInRefused):
            await service.authenticate(user.email, "a wrong guess", remote_address=STRANGER)
    assert (await service.authenticate(user.email, PASSWORD, remote_address=OWNER)).id == user.id

    waits = []
    for _ in range(4):
        with pytest.raises(TooManyAttempts) as refused:
            await service.authenticate(user.email, PASSWORD, remote_address=STRANGER)  # even the right password: not looked at
        waits.append(refused.value.retry_after)
        assert (await service.authenticate(user.email, PASSWORD, remote_address=OWNER)).id == user.id
        controlled_clock.advance(timedelta(seconds=refused.value.retry_after))
        with pytest.raises(service.SignInRefused):
            await service.authenticate(user.email, "another wrong guess", remote_address=STRANGER)
    assert waits == [30, 60, 120, 240]

    throttled = await AuditEvent.objects().where(AuditEvent.action == "user.attempt_throttled").order_by(AuditEvent.sequence)
    assert len(throttled) == 4
    assert {json.loads(event.payload)["address"] for event in throttled} == {STRANGER}
    assert [json.loads(event.payload)["retry_after_seconds"] for event in throttled] == waits


async def test_the_wait_doubles_up_to_a_longest_and_old_failures_are_forgotten(database, controlled_clock):
    assert [throttling.delay_after(n, 5).total_seconds() for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 900, 900]
    for _ in range(throttling.FREE_FAILURES_PER_CLIENT):
        with pytest.raises(service.SignInRefused):
            await service.authenticate("nobody@authority.example", "guess", remote_address=STRANGER)
    with pytest.raises(TooManyAttempts):
        await service.authenticate("nobody@authority.example", "guess", remote_address=STRANGER)
    controlled_clock.advance(throttling.WINDOW)
    with pytest.raises(service.SignInRefused):
        await service.authenticate("nobody@authority.example", "guess", remote_address=STRANGER)


async def client_from(settings, address: str, headers: dict | None = None) -> httpx.AsyncClient:
    app = app_for(settings)
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local", headers=headers)


async def test_over_http_the_attackers_address_gets_429_with_retry_after_and_the_owner_signs_in(database, settings):
    user = await make_user(email="bids@supplier.example", roles=("supplier",), kind="supplier")
    async with serving(app_for(settings)):
        async with await client_from(settings, STRANGER) as attacker, await client_from(settings, OWNER) as owner:
            for _ in range(throttling.FREE_FAILURES_PER_CLIENT):
                assert (await post_form(attacker, "/sign-in", {"email": user.email, "password": "a wrong guess"})).status_code == 400
            refused = await post_form(attacker, "/sign-in", {"email": user.email, "password": PASSWORD})
            assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
            assert "Too many failed attempts to sign in from this device. Wait 1 minute, then try again." in refused.text
            assert 'value="bids@supplier.example"' in refused.text  # what was typed is kept
            signed_in = await post_form(owner, "/sign-in", {"email": user.email, "password": PASSWORD})
            assert signed_in.status_code == 303 and (await owner.get("/account")).status_code == 200
    assert await AuditEvent.exists().where(AuditEvent.action == "user.attempt_throttled")


def test_the_client_address_is_the_connections_unless_a_trusted_proxy_forwards_it():
    spoofed = [(b"x-forwarded-for", b"10.9.9.9, 192.0.2.7")]
    assert address_of("203.0.113.1", spoofed, trust_forwarded_for=False, trusted_proxies=("203.0.113.1",)) == "203.0.113.1"  # off by default
    assert address_of("198.51.100.1", spoofed, trust_forwarded_for=True, trusted_proxies=("127.0.0.1",)) == "198.51.100.1"  # not a proxy of ours
    assert address_of("127.0.0.1", spoofed, trust_forwarded_for=True, trusted_proxies=("127.0.0.1",)) == "192.0.2.7"  # the rightmost untrusted
    two_hops = [(b"x-forwarded-for", b"10.9.9.9"), (b"x-forwarded-for", b"192.0.2.7, 10.0.0.5")]
    assert address_of("127.0.0.1", two_hops, trust_forwarded_for=True, trusted_proxies=("127.0.0.1", "10.0.0.0/24")) == "192.0.2.7"
    assert address_of("127.0.0.1", [], trust_forwarded_for=True, trusted_proxies=("127.0.0.1",)) == "127.0.0.1"
    assert address_of(None, [], trust_forwarded_for=False, trusted_proxies=()) == "unknown"


def test_trusted_proxies_must_be_addresses_or_networks():
    from pydantic import ValidationError

    from registry.settings import Settings

    assert Settings(trusted_proxies=["10.0.0.0/8", "::1"]).trusted_proxies == ["10.0.0.0/8", "::1"]
    assert Settings().trust_forwarded_for is False  # off unless set: a client could otherwise name any address
    with pytest.raises(ValidationError, match="is not an IP address or network"):
        Settings(trusted_proxies=["proxy.example"])


async def test_behind_a_trusted_proxy_each_client_is_throttled_by_its_own_address(database, settings):
    proxied = settings.model_copy(update={"trust_forwarded_for": True, "trusted_proxies": ["127.0.0.1"]})
    await make_user()
    async with serving(app_for(proxied)):
        async with await client_from(proxied, "127.0.0.1", {"X-Forwarded-For": f"10.1.1.1, {STRANGER}"}) as attacker:
            for _ in range(throttling.FREE_FAILURES_PER_CLIENT):
                await post_form(attacker, "/sign-in", {"email": "officer@authority.example", "password": "a wrong guess"})
            assert (await post_form(attacker, "/sign-in", {"email": "officer@authority.example", "password": PASSWORD})).status_code == 429
        async with await client_from(proxied, "127.0.0.1", {"X-Forwarded-For": OWNER}) as owner:  # the same proxy, another client
            response = await post_form(owner, "/sign-in", {"email": "officer@authority.example", "password": PASSWORD})
            assert response.status_code == 303 and response.headers["location"] == "/sign-in/set-up-two-factor"
    failed = await AuditEvent.objects().where(AuditEvent.action == "user.sign_in_failed")
    assert {json.loads(event.payload)["address"] for event in failed} == {STRANGER}
