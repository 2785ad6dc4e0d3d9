"""What the officers' pages of every stage are given: the framework their address names, looked up
once (frameworks.service.for_officer: 404 when there is none, a recorded 403 for anyone but a
procurement officer of its authority). A controller lists `OFFICER_FRAMEWORK` in its dependencies
and its handlers take `framework: OfficersFramework`."""

from typing import Annotated

from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import FromPath, PathParameter

from registry.accounts.auth import SignedInUser
from registry.frameworks import service
from registry.frameworks.tables import Framework
from registry.web import api


# A handler's `framework`, for a procurement officer of its authority.
OfficersFramework = NamedDependency[Framework]


async def officer_framework(user: SignedInUser, reference: FromPath[str]) -> Framework:
    return await service.for_officer(user, reference)


OFFICER_FRAMEWORK = {"framework": Provide(officer_framework)}

# The JSON API documents its path parameters, and OpenAPI allows one definition of each.
Reference = Annotated[str, PathParameter(description="The framework's reference", max_length=40, pattern=api.TEXT, examples=[Example(value="PF-2026-001")])]


async def officer_framework_in_api(user: SignedInUser, reference: Reference) -> Framework:
    return await service.for_officer(user, reference)


OFFICER_FRAMEWORK_IN_API = {"framework": Provide(officer_framework_in_api)}
