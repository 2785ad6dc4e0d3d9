"""The pages of two-factor sign-in (rules in two_factor.py): the code step after the password,
setting an authenticator up (at sign-in, or from the account page), new recovery codes, and an
admin resetting a colleague's lost device."""

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.utils.empty import value_or_default
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS

from registry.accounts import service, two_factor
from registry.accounts.errors import TooManyAttempts
from registry.accounts.auth import SignedInUser, deny, load_user, requires_role, signed_in
from registry.accounts.schemas import CodeForm, TurnOffForm
from registry.accounts.sessions import half_signed_in, start_half_session, start_session
from registry.accounts.tables import Role, User
from registry.web.client import client_address
from registry.web.forms import FormResult, add_problem, read_form
from registry.web.pages import Confirmation, confirmation, confirmed, page
from registry.web.dependencies import AppSettings

CODE_STEP = "/sign-in/code"
SET_UP_STEP = "/sign-in/set-up-two-factor"


def too_many(response: Template, refusal: TooManyAttempts) -> Template:
    """429, saying when to come back: the client waits, no worker does."""
    response.status_code = HTTP_429_TOO_MANY_REQUESTS
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


async def begin_second_step(request: Request, user: User, next_path: str) -> Redirect | None:
    """After the right password: a half-signed-in session and the way to the code (or to setting an
    authenticator up), when a second factor is asked of this user; None when it is not."""
    if not await two_factor.asked_of(user.id):
        return None
    start_half_session(request, user_id=user.id, session_stamp=user.session_stamp, next_path=next_path)
    return Redirect(CODE_STEP if await two_factor.enrolled(user.id) else SET_UP_STEP, status_code=303)


async def _half_signed_in_user(request: Request) -> tuple[int, str] | None:
    """The user whose password this browser has just entered, and where they were going, while the
    password still holds (unchanged, the account active, the step not timed out)."""
    half = half_signed_in(value_or_default(request.scope.get("session"), None))
    if half is None:
        return None
    loaded = await load_user(int(half["password_user_id"]))
    if loaded is None or loaded[1] != half.get("stamp"):
        return None
    return int(half["password_user_id"]), half.get("next") or "/home"


class SecondStepController(Controller):
    """The sign-in's second step. Nothing else is open to a half-signed-in browser."""

    include_in_schema = False

    @get(CODE_STEP, name="sign_in_code")
    async def code_form(self, request: Request) -> Template | Redirect:
        if (half := await _half_signed_in_user(request)) is None:
            return Redirect("/sign-in", status_code=303)
        if not await two_factor.enrolled(half[0]):
            return Redirect(SET_UP_STEP, status_code=303)
        return page("accounts/two_factor_code.html")

    @post(CODE_STEP)
    async def enter_code(self, request: Request, settings: AppSettings) -> Template | Redirect:
        if (half := await _half_signed_in_user(request)) is None:
            return Redirect("/sign-in", status_code=303)
        user_id, next_path = half
        result = await read_form(request, CodeForm)
        if not result.ok:
            return page("accounts/two_factor_code.html", result)
        address = client_address(request)
        try:
            method = await two_factor.check_code(user_id, result.data.code, remote_address=address)
        except TooManyAttempts as refusal:
            return too_many(page("accounts/two_factor_code.html", add_problem(result, refusal, settings.zone, field_name="code")), refusal)
        except two_factor.TwoFactorError as problem:
            return page("accounts/two_factor_code.html", add_problem(result, problem, settings.zone, field_name="code"))
        await service.record_second_factor(user_id, method, remote_address=address)
        start_session(request, user_id=user_id, session_stamp=request.session["stamp"], second_factor=True, address=client_address(request))
        if method == "recovery_code":
            return Redirect("/account/two-factor?recovery_code_used=1", status_code=303)
        return Redirect(next_path, status_code=303)

    @get(SET_UP_STEP, name="sign_in_set_up_two_factor")
    async def set_up_form(self, request: Request) -> Template | Redirect:
        if (half := await _half_signed_in_user(request)) is None:
            return Redirect("/sign-in", status_code=303)
        if await two_factor.enrolled(half[0]):
            return Redirect(CODE_STEP, status_code=303)
        return await _set_up_page(half[0], SET_UP_STEP, at_sign_in=True)

    @post(SET_UP_STEP)
    async def set_up(self, request: Request, settings: AppSettings) -> Template | Redirect:
        if (half := await _half_signed_in_user(request)) is None:
            return Redirect("/sign-in", status_code=303)
        user_id, next_path = half
        result = await read_form(request, CodeForm)
        if not result.ok:
            return await _set_up_page(user_id, SET_UP_STEP, result, at_sign_in=True)
        address = client_address(request)
        try:
            codes, stamp = await two_factor.confirm_set_up(user_id, result.data.code, remote_address=address)
        except TooManyAttempts as refusal:
            return too_many(await _set_up_page(user_id, SET_UP_STEP, add_problem(result, refusal, settings.zone, field_name="code"), at_sign_in=True), refusal)
        except two_factor.TwoFactorError as problem:
            return await _set_up_page(user_id, SET_UP_STEP, add_problem(result, problem, settings.zone, field_name="code"), at_sign_in=True)
        await service.record_second_factor(user_id, "enrolment", remote_address=address)
        start_session(request, user_id=user_id, session_stamp=stamp, second_factor=True, address=client_address(request))
        return page("accounts/recovery_codes.html", codes=codes, next=next_path, set_up=True)


async def _set_up_page(user_id: int, action: str, result: FormResult | None = None, *, at_sign_in: bool, turned_off: bool = False) -> Template:
    set_up = await two_factor.pending_set_up(user_id)
    return page("accounts/two_factor_set_up.html", result, set_up=set_up, action=action, at_sign_in=at_sign_in, turned_off=turned_off)


class TwoFactorAccountController(Controller):
    """Two-factor sign-in from the account page: turning it on (suppliers may; officials have it on
    already) and new recovery codes."""

    path = "/account/two-factor"
    include_in_schema = False
    guards = [signed_in]

    @get("/", name="account_two_factor")
    async def overview(self, user: SignedInUser, recovery_code_used: FromQuery[str | None] = None, turned_off: FromQuery[str | None] = None) -> Template:
        if await two_factor.enrolled(user.id):
            return await self._status_page(user.id, recovery_code_used=bool(recovery_code_used))
        return await _set_up_page(user.id, "/account/two-factor", at_sign_in=False, turned_off=bool(turned_off))

    @post("/")
    async def turn_on(self, request: Request, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        if await two_factor.enrolled(user.id):
            return Redirect("/account/two-factor", status_code=303)
        result = await read_form(request, CodeForm)
        if not result.ok:
            return await _set_up_page(user.id, "/account/two-factor", result, at_sign_in=False)
        try:
            codes, stamp = await two_factor.confirm_set_up(user.id, result.data.code, remote_address=client_address(request))
        except TooManyAttempts as refusal:
            return too_many(await _set_up_page(user.id, "/account/two-factor", add_problem(result, refusal, settings.zone, field_name="code"), at_sign_in=False), refusal)
        except two_factor.TwoFactorError as problem:
            return await _set_up_page(user.id, "/account/two-factor", add_problem(result, problem, settings.zone, field_name="code"), at_sign_in=False)
        start_session(request, user_id=user.id, session_stamp=stamp, second_factor=True, address=client_address(request))  # this browser stays signed in
        return page("accounts/recovery_codes.html", codes=codes, next="/account", set_up=True)

    @post("/recovery-codes")
    async def renew_recovery_codes(self, request: Request, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        if not await two_factor.enrolled(user.id):
            return Redirect("/account/two-factor", status_code=303)
        result = await read_form(request, CodeForm)
        if not result.ok:
            return await self._status_page(user.id, result)
        try:
            codes = await two_factor.renew_recovery_codes(user.id, result.data.code, remote_address=client_address(request))
        except TooManyAttempts as refusal:
            return too_many(await self._status_page(user.id, add_problem(result, refusal, settings.zone, field_name="code")), refusal)
        except two_factor.TwoFactorError as problem:
            return await self._status_page(user.id, add_problem(result, problem, settings.zone, field_name="code"))
        return page("accounts/recovery_codes.html", codes=codes, next="/account/two-factor", set_up=False)

    @post("/turn-off")
    async def turn_off(self, request: Request, user: SignedInUser, settings: AppSettings) -> Template | Redirect:
        if not await two_factor.enrolled(user.id):
            return Redirect("/account/two-factor", status_code=303)
        result = await read_form(request, TurnOffForm)
        if not result.ok:
            return await self._status_page(user.id, result)
        try:
            await two_factor.turn_off(user.id, result.data.off_code, remote_address=client_address(request))
        except TooManyAttempts as refusal:
            return too_many(await self._status_page(user.id, add_problem(result, refusal, settings.zone, field_name="off_code")), refusal)
        except two_factor.TwoFactorError as problem:
            return await self._status_page(user.id, add_problem(result, problem, settings.zone, field_name="off_code"))
        return Redirect("/account/two-factor?turned_off=1", status_code=303)

    async def _status_page(self, user_id: int, result: FormResult | None = None, *, recovery_code_used: bool = False) -> Template:
        return page(
            "accounts/two_factor_account.html", result,
            codes_left=await two_factor.recovery_codes_left(user_id), recovery_code_used=recovery_code_used,
            may_turn_off=not await two_factor.required(user_id),
        )


class TwoFactorResetController(Controller):
    """A lost device: a service admin (from the user's page) or the organisation's admin (from the
    organisation's people) resets it, after a confirmation page."""

    include_in_schema = False

    @post("/admin/users/{user_id:int}/two-factor-reset", guards=[requires_role(Role.ADMIN)])
    async def by_service_admin(self, request: Request, user_id: FromPath[int], user: SignedInUser) -> Template | Redirect:
        return await self._reset(request, user, user_id, back=f"/admin/users/{user_id}")

    @post("/organisation/users/{user_id:int}/two-factor-reset", guards=[signed_in])
    async def by_organisation_admin(self, request: Request, user_id: FromPath[int], user: SignedInUser) -> Template | Redirect:
        return await self._reset(request, user, user_id, back="/organisation/users")

    @staticmethod
    async def _reset(request: Request, by: SignedInUser, user_id: int, *, back: str) -> Template:
        person = await two_factor.person(user_id)
        if person is None or not two_factor.may_reset(by, person):
            await deny(request, by, "resets two-factor sign-in only of others it administers")
        if not await confirmed(request):
            return confirmation(Confirmation(
                title=f"Reset two-factor sign-in for {person['full_name']}",
                caption=person["email"],
                warning="Their authenticator app and recovery codes stop working and they are signed out everywhere. "
                "Do this only once you are sure it is them asking: they will set up a new device when they next sign in.",
                action=str(request.url.path), button="Reset two-factor sign-in", back=back, button_classes="govuk-button--warning",
            ))
        await two_factor.reset(by, user_id)
        return page("accounts/two_factor_reset.html", person=person, back=back)
