from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from registry.accounts import service, two_factor
from registry.accounts.errors import TooManyAttempts
from registry.accounts.auth import OptionalUser, SignedInUser, signed_in
from registry.accounts.schemas import (
    ORGANISATION_TYPES,
    ChangePasswordForm,
    EmailForm,
    NewPasswordForm,
    RegistrationForm,
    SignInForm,
)
from registry.accounts.sessions import end_session, start_session
from registry.accounts.tables import OrganisationSize, TokenPurpose
from registry.accounts.tokens import find_usable
from registry.accounts.two_factor_controllers import begin_second_step, too_many
from registry.web.client import client_address
from registry.web.forms import FormResult, add_problem, read_form
from registry.web.pages import page
from registry.web.dependencies import AppSettings


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/home"  # each role's next steps


class SignInController(Controller):
    include_in_schema = False

    @get("/sign-in", name="sign_in")
    async def form(self, next: FromQuery[str | None] = None) -> Template:
        return page("accounts/sign_in.html", values={"next": next or ""})

    @post("/sign-in")
    async def sign_in(self, request: Request, settings: AppSettings) -> Template | Redirect:
        result = await read_form(request, SignInForm)
        next_path = (await request.form()).get("next")
        result.values["next"] = next_path or ""
        if not result.ok:
            return page("accounts/sign_in.html", result)
        try:
            user = await service.authenticate(result.data.email, result.data.password, remote_address=client_address(request))
        except TooManyAttempts as refusal:
            return too_many(page("accounts/sign_in.html", add_problem(result, refusal, settings.zone, field_name="email")), refusal)
        except service.AccountError as refusal:
            return page("accounts/sign_in.html", add_problem(result, refusal, settings.zone, field_name="email"))
        if second_step := await begin_second_step(request, user, safe_next(next_path)):
            return second_step
        start_session(request, user_id=user.id, session_stamp=user.session_stamp, address=client_address(request))
        return Redirect(safe_next(next_path), status_code=303)

    @get("/sign-out", name="sign_out")
    async def confirm_sign_out(self, user: OptionalUser) -> Template | Redirect:
        if user is None:
            return Redirect("/sign-in", status_code=303)
        return page("accounts/sign_out.html")

    @post("/sign-out")
    async def sign_out(self, request: Request, user: OptionalUser) -> Template:
        if user is not None:
            await service.record_sign_out(user.actor)
        end_session(request)
        request.scope["user"] = None
        return page("accounts/signed_out.html")


class RegistrationController(Controller):
    include_in_schema = False

    @get("/register", name="register")
    async def form(self) -> Template:
        return self._page()

    @post("/register")
    async def register(self, request: Request, settings: AppSettings) -> Template:
        result = await read_form(request, RegistrationForm)
        if not result.ok:
            return self._page(result)
        form = result.data
        try:
            user = await service.register_supplier(
                legal_name=form.legal_name,
                registration_number=form.registration_number,
                organisation_type=form.organisation_type,
                size=form.size,
                full_name=form.full_name,
                email=form.email,
                password=form.password,
            )
        except service.AccountError as problem:
            return self._page(add_problem(result, problem, settings.zone, field_name="email"))
        return page("accounts/check_email.html", email=user.email)

    def _page(self, result: FormResult | None = None) -> Template:
        return page(
            "accounts/register.html",
            result,
            organisation_types=ORGANISATION_TYPES,
            sizes=[size.value for size in OrganisationSize],
        )

    @get("/confirm-email/{token:str}", name="confirm_email")
    async def confirm_page(self, token: FromPath[str]) -> Template:
        usable = await find_usable(token, TokenPurpose.EMAIL_CONFIRMATION)
        return page("accounts/confirm_email.html", token=token, usable=usable is not None, status_code=200 if usable else 400)

    @post("/confirm-email/{token:str}")
    async def confirm(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        """Confirming the address signs the new user in (the link proves they hold it) and takes
        them to their home page, which says what to do first."""
        user = await service.confirm_email(token)
        if user is None:
            return page("accounts/confirm_email.html", token=token, usable=False, status_code=400)
        if second_step := await begin_second_step(request, user, "/home?welcome=1"):
            return second_step
        start_session(request, user_id=user.id, session_stamp=user.session_stamp, address=client_address(request))
        return Redirect("/home?welcome=1", status_code=303)


class PasswordController(Controller):
    include_in_schema = False

    @get("/password-reset", name="password_reset")
    async def request_form(self) -> Template:
        return page("accounts/password_reset_request.html")

    @post("/password-reset")
    async def request_reset(self, request: Request) -> Template:
        result = await read_form(request, EmailForm)
        if not result.ok:
            return page("accounts/password_reset_request.html", result)
        await service.request_password_reset(result.data.email)
        return page("accounts/password_reset_sent.html", email=result.data.email)

    @get("/password-reset/{token:str}")
    async def new_password_form(self, token: FromPath[str]) -> Template:
        usable = await find_usable(token, TokenPurpose.PASSWORD_RESET)
        return page("accounts/password_reset.html", token=token, usable=usable is not None, status_code=200 if usable else 400)

    @post("/password-reset/{token:str}")
    async def reset(self, request: Request, token: FromPath[str]) -> Template:
        result = await read_form(request, NewPasswordForm)
        if not result.ok:
            return page("accounts/password_reset.html", result, token=token, usable=True)
        user = await service.reset_password(token, result.data.password)
        if user is None:
            return page("accounts/password_reset.html", token=token, usable=False, status_code=400)
        return page("accounts/password_changed.html", signed_in=False)


class AccountController(Controller):
    path = "/account"
    include_in_schema = False
    guards = [signed_in]

    @get("/", name="account")
    async def overview(self, user: SignedInUser) -> Template:
        return page("accounts/account.html", two_factor_on=await two_factor.enrolled(user.id))

    @get("/password")
    async def change_password_form(self) -> Template:
        return page("accounts/change_password.html")

    @post("/password")
    async def change_password(self, request: Request, user: SignedInUser, settings: AppSettings) -> Template:
        result = await read_form(request, ChangePasswordForm)
        if not result.ok:
            return page("accounts/change_password.html", result)
        try:
            updated = await service.change_password(
                user.id, result.data.current_password, result.data.new_password, remote_address=client_address(request)
            )
        except TooManyAttempts as refusal:
            return too_many(page("accounts/change_password.html", add_problem(result, refusal, settings.zone, field_name="current_password")), refusal)
        except service.AccountError as problem:
            return page("accounts/change_password.html", add_problem(result, problem, settings.zone, field_name="current_password"))
        second_factor = bool(request.session.get("second_factor"))
        start_session(request, user_id=updated.id, session_stamp=updated.session_stamp, second_factor=second_factor, address=client_address(request))  # this browser stays signed in
        return page("accounts/password_changed.html", signed_in=True)
