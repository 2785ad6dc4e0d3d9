from datetime import timedelta

from registry import clock
from registry.accounts.passwords import hash_password, needs_rehash, verify_password
from registry.accounts.sessions import PiccoloSessionStore
from registry.accounts.tables import SessionRecord
from tests.support import PASSWORD, make_user, sign_in


async def test_passwords_are_stored_as_salted_argon2id_hashes():
    first, second = await hash_password("a long pass phrase"), await hash_password("a long pass phrase")
    assert first.startswith("$argon2id$") and first != second  # a new salt each time
    assert "a long pass phrase" not in first
    assert await verify_password(first, "a long pass phrase")
    assert not await verify_password(first, "a long pass phrasE")
    assert not await verify_password("not a hash at all", "a long pass phrase")
    assert not needs_rehash(first)


def test_the_service_hashes_at_argon2s_recommended_cost(quick_password_hashing):
    from argon2 import PasswordHasher, Type

    recommended = PasswordHasher()
    assert quick_password_hashing.type is Type.ID
    assert (quick_password_hashing.time_cost, quick_password_hashing.memory_cost, quick_password_hashing.parallelism) == (
        recommended.time_cost, recommended.memory_cost, recommended.parallelism,
    )


async def test_the_session_store_keeps_renews_and_expires_data(database):
    store = PiccoloSessionStore()
    controlled = clock.ControlledClock()
    previous = clock.use(controlled)
    try:
        await store.set("session-a", b'{"user_id": 1}', expires_in=60)
        assert await store.get("session-a") == b'{"user_id": 1}'
        await store.set("session-a", b'{"user_id": 2}', expires_in=60)  # replaces, never duplicates
        assert await store.get("session-a", renew_for=60) == b'{"user_id": 2}'
        controlled.advance(timedelta(seconds=45))
        assert await store.get("session-a", renew_for=60) is not None  # renewed at 0s and now at 45s
        controlled.advance(timedelta(seconds=61))
        assert await store.get("session-a") is None
        assert not await store.exists("session-a")
        await store.set("session-b", "text", expires_in=timedelta(minutes=5))
        assert 0 < await store.expires_in("session-b") <= 300
        await store.delete("session-b")
        assert await store.get("session-b") is None
    finally:
        clock.use(previous)


async def test_a_visitor_who_has_not_signed_in_gets_no_session_and_no_cookie(client, database):
    for path in ("/", "/frameworks", "/suppliers", "/sign-in"):
        response = await client.get(path, follow_redirects=True)
        assert response.status_code == 200
        assert "registry_session" not in response.headers.get("set-cookie", "")
    assert await SessionRecord.count() == 0


async def test_a_signed_in_page_view_writes_nothing_new_and_renews_at_most_once_a_minute(client, database, controlled_clock):
    await make_user()
    await sign_in(client, "officer@authority.example", PASSWORD)
    session_id = client.cookies.get("registry_session")

    async def stored() -> dict:
        return await SessionRecord.select(SessionRecord.value, SessionRecord.expires_at).where(SessionRecord.key == session_id).first()

    signed_in = await stored()
    controlled_clock.advance(timedelta(seconds=30))
    account = await client.get("/account")
    assert account.status_code == 200 and f"registry_session={session_id}" in account.headers["set-cookie"]  # the cookie is renewed
    assert await stored() == signed_in  # and the store is untouched
    controlled_clock.advance(timedelta(seconds=40))
    assert (await client.get("/account")).status_code == 200
    renewed = await stored()
    assert renewed["value"] == signed_in["value"] and timedelta(seconds=70) <= renewed["expires_at"] - signed_in["expires_at"] < timedelta(seconds=71)
    assert await SessionRecord.count() == 1


async def test_a_hash_made_before_the_pepper_still_signs_in_once_and_is_replaced_by_a_peppered_one(database):
    from registry.accounts import passwords
    from registry.accounts import service as accounts
    from registry.accounts.tables import User

    user = await make_user()
    legacy = passwords._hasher.hash(PASSWORD)  # Argon2id of the bare password, as stored before the pepper
    await User.update({User.password_hash: legacy}).where(User.id == user.id)
    assert not await verify_password(legacy, "not the password")
    await accounts.authenticate(user.email, PASSWORD, remote_address="127.0.0.1")
    rehashed = (await User.objects().get(User.id == user.id)).password_hash
    assert rehashed != legacy and not passwords._matches(rehashed, PASSWORD)  # the bare password no longer checks out
    assert await verify_password(rehashed, PASSWORD)
    assert (await User.objects().get(User.id == user.id)).session_stamp == user.session_stamp  # the same password: sessions stay
