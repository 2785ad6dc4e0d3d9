"""The app factory: `registry.app:create_app`. Wiring only; each domain owns its routes."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.di import Provide
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from registry import api_v1, clock, db
from registry.accounts import duties, passwords
from registry.accounts import service as accounts
from registry.db import migrations
from registry.accounts.admin_controllers import UsersAdminController
from registry.accounts.api import MeController
from registry.accounts.api_token_controllers import ApiTokensController
from registry.accounts.organisation_controllers import OrganisationUsersController
from registry.accounts.role_request_controllers import RoleRequestsController
from registry.accounts.session_controllers import SessionsController
from registry.accounts import auth
from registry.accounts.auth import CurrentUserMiddleware
from registry.accounts.controllers import AccountController, PasswordController, RegistrationController, SignInController
from registry.accounts.two_factor_controllers import SecondStepController, TwoFactorAccountController, TwoFactorResetController
from registry.accounts.sessions import PiccoloSessionStore, session_config
from registry.audit import checkpoints as audit_checkpoints
from registry.audit import keys as audit_keys
from registry.award.controllers import AwardController, DebriefController
from registry.award import stage as award_stage
from registry.frameworks import community_benefits
from registry.criteria import stage as criteria_stage
from registry.conflicts import stage as conflicts_stage
from registry.conflicts.controllers import ConflictsController
from registry.directory import stage as directory_stage
from registry.evaluation import stage as evaluation_stage
from registry.interest import stage as interest_stage
from registry.opendata import stage as opendata_stage
from registry.tenders import stage as tenders_stage
from registry.clarifications.controllers import ClarificationsController, ManageClarificationsController
from registry.health.controllers import HealthController
from registry.help.controllers import HelpController
from registry.home.controllers import HomeController
from registry.criteria.controllers import CriteriaController
from registry.directory.controllers import DirectoryController
from registry.engagements import lifecycle as engagement_lifecycle
from registry.engagements.controllers import CommissioningController, SupplierEngagementsController
from registry.engagements.report_controllers import ReportsController
from registry.evaluation.controllers import EvaluationPanelController, EvaluatorController
from registry.frameworks import lifecycle as framework_lifecycle
from registry.frameworks.controllers import ManageFrameworksController
from registry.frameworks.public_controllers import PublicFrameworksController
from registry.interest.controllers import FollowedFrameworksController, InterestController, OfficerInterestController, SupplierCalendarController
from registry.pages.audit_log import AuditLogController
from registry.pages.framework import FrameworkPageController
from registry.pages.notifications import OutboxController, PreferencesController
from registry.pages.navigation import navigation_for
from registry.notifications import service as notifications
from registry.opendata import ocds
from registry.opendata.controllers import OpenDataController
from registry.suppliers.controllers import ProfileController
from registry.surveys.answer_controllers import AnswerSurveyController
from registry.surveys.controllers import SurveyBuilderController
from registry.tenders.controllers import TendersController
from registry.tenders.officer_controllers import OfficerTendersController
from registry import links
from registry.web import api
from registry.web.csrf import WITHOUT_FORMS, csrf_middleware
from registry.web.head import HeadAsGet
from registry.web.outage import OutageMiddleware
from registry.web.receipt import TimeOfReceiptMiddleware
from registry.web.request_id import RequestIdMiddleware
from registry.web.security import SecurityHeadersMiddleware
from registry.settings import Settings
from registry.web.controllers import StartPageController
from registry.web.errors import EXCEPTION_HANDLERS
from registry.web.bodies import BodyRequest
from registry.web.static import StaticFiles, serving
from registry.web.templating import SERVICE_NAME, template_config
from registry.web.test_clock import TestClockController

logger = logging.getLogger("registry")

# What each later package adds to the packages below it (registry.hooks): the lifecycle's checks and
# the side effects of its moves, open data's releases, the directory's entries. Listed here, in the
# order of the procedure, as Piccolo apps are listed in registry.db.piccolo_conf.
STAGES = (conflicts_stage, interest_stage, criteria_stage, tenders_stage, evaluation_stage, award_stage, opendata_stage, directory_stage)


def register_hooks() -> None:
    """Register every later package's hooks (again changes nothing). Done when this module is
    imported, so that the served app, the tests and the demo data all act through the same wiring."""
    community_benefits.register()  # the frameworks' own named check, on the invitation to tender
    for stage in STAGES:
        stage.register()
    api.refusals.register(auth.deny)  # the API's refusals are recorded as the pages' are


register_hooks()


MAX_BODY_BYTES = 25 * 1024 * 1024  # documents are at most 20 MB; the form around them is small


class RefusedToStart(RuntimeError):
    """The configuration is unsafe for this environment; the message says why."""


def settings_of(request: Request) -> Settings:
    return request.app.state["settings"]


# What any handler may declare by name, instead of fetching it: the signed-in user (or None) and
# the settings the app was made with.
DEPENDENCIES = {
    "user": Provide(auth.provide_user, sync_to_thread=False),
    "settings": Provide(settings_of, sync_to_thread=False),
}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    problems = settings.production_problems()
    if problems:
        raise RefusedToStart("refusing to start in production: " + "; ".join(problems))

    route_handlers: list = [
        StartPageController,
        HelpController,
        HealthController,
        SignInController,
        SecondStepController,
        TwoFactorAccountController,
        TwoFactorResetController,
        RegistrationController,
        PasswordController,
        AccountController,
        HomeController,
        UsersAdminController,
        RoleRequestsController,
        ApiTokensController,
        MeController,
        *api_v1.ROUTES,
        OrganisationUsersController,
        SessionsController,
        ManageFrameworksController,
        PublicFrameworksController,
        FrameworkPageController,
        InterestController,
        FollowedFrameworksController,
        OfficerInterestController,
        SupplierCalendarController,
        ProfileController,
        DirectoryController,
        PreferencesController,
        SurveyBuilderController,
        AnswerSurveyController,
        CriteriaController,
        ConflictsController,
        TendersController,
        OfficerTendersController,
        EvaluationPanelController,
        EvaluatorController,
        AwardController,
        DebriefController,
        ClarificationsController,
        ManageClarificationsController,
        CommissioningController,
        SupplierEngagementsController,
        ReportsController,
        AuditLogController,
        OutboxController,
        OpenDataController,
    ]
    if settings.clock_control:
        clock.use(clock.ControlledClock())
        route_handlers.append(TestClockController)

    assets = serving(settings)  # before the templates are rendered: they name the files by content
    sessions = session_config(secure=settings.is_production)
    sessions.exclude = [*sessions.exclude, *WITHOUT_FORMS]  # a health check has no visitor to remember
    app = Litestar(
        route_handlers=route_handlers,
        lifespan=[configured, database_lifespan, mail_sender_lifespan, audit_checkpoints_lifespan],
        template_config=template_config(
            settings, functions={**framework_lifecycle.TEMPLATE_GLOBALS, **engagement_lifecycle.TEMPLATE_GLOBALS}, navigation=navigation_for,
        ),
        stores={"sessions": PiccoloSessionStore()},
        middleware=[
            sessions.middleware,
            CurrentUserMiddleware,
            csrf_middleware(settings),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        dependencies=DEPENDENCIES,
        request_class=BodyRequest,  # a body nested too deeply is malformed (400), not a server error
        # Pages, JSON, CSV, calendars and the stylesheet go compressed: brotli where the browser takes
        # it, gzip otherwise; anything under 1 kB is not worth it.
        compression_config=CompressionConfig(backend="brotli", brotli_gzip_fallback=True, minimum_size=1024, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(
            title=SERVICE_NAME,
            version="1",
            description=api.DESCRIPTION,
            components=api.COMPONENTS,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        state={"settings": settings},
        debug=False,
        request_max_body_size=MAX_BODY_BYTES,
        logging_config=None,  # the process (the CLI or the ASGI server) configures logging
    )
    # Around the whole app, not each route: answers for unknown addresses (404) and wrong methods
    # (405) get the security headers and a request id, and are logged, too; and each request's
    # commits are recorded, for an answer given when the database fails. The time of receipt is
    # taken first of all, before anything a request may wait for. HEAD is answered by the GET handler.
    # The static files are answered within the request id and security headers, before the rest.
    app.asgi_handler = TimeOfReceiptMiddleware(
        RequestIdMiddleware(SecurityHeadersMiddleware(
            StaticFiles(OutageMiddleware(HeadAsGet(app.asgi_handler)), assets), https_only=settings.is_production,
        )),
        max_body_size=MAX_BODY_BYTES,
    )
    return app


def create_served_app() -> Litestar:
    """The app as `registry serve` runs it in each worker process: `create_app`, with the garbage
    collector settled for a long-running server once it has started."""
    app = create_app()
    app.on_startup.append(settle_garbage_collection)
    return app


def settle_garbage_collection() -> None:
    """Everything alive once the server has started (the code, the app, its routes) lives as long as
    the process: set it aside from every later collection (`gc.freeze`). And collect the youngest
    objects after 10,000 allocations rather than 700: at 700 a collection ran every half page,
    scanning the objects of the pages in flight and promoting them to be scanned again; over a
    thousand directory searches the collector took 0.5 s, and one full collection 0.15 s of a
    single request's time. Memory in reference cycles is reclaimed a little later."""
    gc.collect()  # what starting left behind in cycles, not to be frozen with the rest
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


# The lifespans read the settings the app holds when it starts (app.state["settings"]), not when it
# was built: the test suite builds one app per configuration and serves it for each test's database.


@asynccontextmanager
async def configured(app: Litestar) -> AsyncIterator[None]:
    """The settings that module-level helpers read: the address in emails, the open data's publisher,
    whether emails are logged whole (development only), the password pepper, the audit log's keys."""
    settings: Settings = app.state["settings"]
    links.configure(settings.base_url)
    duties.configure(cooling_off_days=settings.officer_cooling_off_days, zone=settings.zone)
    ocds.configure(settings)
    notifications.configure(log_bodies=not settings.is_production)
    previous_pepper = passwords.configure(settings.password_pepper)
    previous_audit_keys = audit_keys.configure(audit_keys.from_settings(settings))
    try:
        yield
    finally:
        if previous_pepper is not None:  # another app in this process (the tests) hashes with its own
            passwords.configure(previous_pepper)
        audit_keys.configure(previous_audit_keys)


def served_timeouts(settings: Settings) -> db.Timeouts:
    """The served app's timeouts (the commands wait longer: a migration or a backup may take long)."""
    return db.Timeouts(statement=settings.database_timeout_seconds, connect=settings.database_connect_timeout_seconds)


@asynccontextmanager
async def database_lifespan(app: Litestar) -> AsyncIterator[None]:
    settings: Settings = app.state["settings"]
    engine = db.create_engine(settings.database_url, served_timeouts(settings))
    db.bind(engine)
    await db.connect(engine, pool_size=settings.postgres_pool_size)
    try:
        await prepare_schema(settings)
        if settings.is_production and await accounts.has_demo_accounts():
            raise RefusedToStart(
                "refusing to start in production: demo accounts are present (loaded by `registry load-fixtures`); "
                "use a database without the demo data"
            )
        yield
    finally:
        await db.disconnect(engine)


@asynccontextmanager
async def mail_sender_lifespan(app: Litestar) -> AsyncIterator[None]:
    """While the app runs, deliver the outbox and queue due reminders (when SMTP is configured)."""
    settings: Settings = app.state["settings"]
    if not settings.smtp_url:
        yield
        return
    async with running(run_mail_sender(settings)):
        yield


@asynccontextmanager
async def running(work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """`work` runs as a task for as long as the block does, and is cancelled when it ends."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def run_mail_sender(settings: Settings) -> None:
    """Send the outbox every few seconds until cancelled. Each pass runs in a context of its own, and
    a pass that fails (the database gone, say) is logged and noted in the sender's health: the next
    one starts afresh."""
    health = notifications.sender_health
    health.started()
    try:
        while True:
            try:
                await db.isolated(send_mail_once(settings))
            except Exception as error:
                health.failed(error)
                logger.exception("mail sender pass failed")
            else:
                health.passed()
            await asyncio.sleep(settings.mail_poll_seconds)
    finally:
        health.stopped()


CHECKPOINT_POLL_SECONDS = 300


@asynccontextmanager
async def audit_checkpoints_lifespan(app: Litestar) -> AsyncIterator[None]:
    """While the app runs, make sure the audit log gets a checkpoint at least every
    REGISTRY_AUDIT_CHECKPOINT_HOURS (registry.audit.checkpoints): every few minutes each process asks,
    and the first to find one due makes it."""
    async with running(run_audit_checkpoints(app.state["settings"])):
        yield


async def run_audit_checkpoints(settings: Settings) -> None:
    while True:
        await asyncio.sleep(CHECKPOINT_POLL_SECONDS)
        try:
            await db.isolated(audit_checkpoints.checkpoint_if_due(settings.audit_checkpoint_hours))
        except Exception:
            logger.exception("audit checkpoint pass failed")  # the next pass tries again


async def send_mail_once(settings: Settings) -> None:
    from registry.clarifications.reminders import queue_unanswered_reminders
    from registry.interest.reminders import queue_due_reminders

    await queue_due_reminders(settings.reminder_days, settings.zone)
    await queue_unanswered_reminders()
    await notifications.deliver_pending(settings.smtp_url, settings.mail_from, host=settings.mail_host)


async def prepare_schema(settings: Settings) -> None:
    if settings.applies_migrations_on_start:
        await migrations.apply()
        return
    waiting = await migrations.pending()
    if waiting and settings.is_production:
        names = ", ".join(f"{app}: {len(ids)}" for app, ids in waiting.items())
        raise RefusedToStart(f"refusing to start: migrations not applied ({names}); run `registry migrate` first")
