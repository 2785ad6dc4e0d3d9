"""Throwaway PostgreSQL databases, made and dropped through a server's maintenance database (a URL
such as postgresql://user:password@127.0.0.1:5432/postgres): for the test suite and the benchmarks,
never for the service itself."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg


def url_of(server_url: str, name: str) -> str:
    """The URL of database `name` on the server that `server_url` reaches."""
    return f"{server_url.rpartition('/')[0]}/{name}"


async def create(server_url: str, prefix: str, *, durable: bool = True) -> str:
    """A new, empty database named after `prefix`; returns its name. A database that need not
    survive a crash (`durable=False`) commits without waiting for the disk."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        if not durable:
            await connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
    finally:
        await connection.close()
    return name


async def drop(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@asynccontextmanager
async def database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """A new database's URL, for as long as the block runs; dropped after it."""
    name = await create(server_url, prefix)
    try:
        yield url_of(server_url, name)
    finally:
        await drop(server_url, name)
