"""What the officers' pages of every stage are given: the framework their address names, looked up
once (frameworks.service.for_officer: 404 when there is none, a recorded 403 for anyone but a
procurement officer of its authority). A controller lists `OFFICER_FRAMEWORK` in its dependencies
and its handlers take `framework: Framework`."""

from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from registry.accounts.auth import SignedInUser
from registry.frameworks import service
from registry.frameworks.tables import Framework


# A handler's `framework`, for a procurement officer of its authority.
OfficersFramework = NamedDependency[Framework]


async def officer_framework(user: SignedInUser, reference: FromPath[str]) -> Framework:
    return await service.for_officer(user, reference)


OFFICER_FRAMEWORK = {"framework": Provide(officer_framework)}
