"""The rules about accounts a user can break, for every module of the package to raise."""

from registry.errors import RuleBroken


class AccountError(RuleBroken):
    """A rule about accounts was broken; the message says which, in words a user can act on."""


class TooManyAttempts(AccountError):
    """This client must wait `retry_after` seconds before trying again (answered 429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
