from datetime import timedelta

from registry import clock
from registry.accounts.passwords import hash_password, needs_rehash, verify_password
from registry.accounts.sessions import PiccoloSessionStore


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
