"""Pages about the service itself: the accessibility statement, the privacy notice, the cookies it
sets, and a way to send feedback. Linked from every page's footer and the phase banner."""

from urllib.parse import urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from registry.accounts import sessions
from registry.help import feedback
from registry.web import csrf
from registry.web.forms import FormResult
from registry.web.pages import page
from registry.settings import Settings
from registry.web.dependencies import AppSettings
from registry.web.remembered import visitors_copy


def _came_from(request: Request) -> str:
    """The path of the page of this service that linked here, if the browser says."""
    referrer = urlsplit(request.headers.get("referer", ""))
    return referrer.path if referrer.netloc == request.url.netloc and referrer.path != "/feedback" else ""


async def about_the_service(template: str, settings: Settings) -> Template:
    return page(template, support_email=settings.support_email)


class HelpController(Controller):
    include_in_schema = False

    @get("/accessibility", name="accessibility")
    async def accessibility(self, request: Request, settings: AppSettings) -> Template | Response:
        return await visitors_copy(request, lambda: about_the_service("help/accessibility.html", settings), from_data=False)

    @get("/privacy", name="privacy")
    async def privacy(self, request: Request, settings: AppSettings) -> Template | Response:
        return await visitors_copy(request, lambda: about_the_service("help/privacy.html", settings), from_data=False)

    @get("/cookies", name="cookies")
    async def cookies(self, settings: AppSettings) -> Template:
        production = settings.is_production
        return page(
            "help/cookies.html", session_cookie=sessions.cookie_name(production=production), csrf_cookie=csrf.csrf_cookie_name(production=production),
            idle_minutes=int(sessions.IDLE_TIMEOUT.total_seconds() // 60),
        )

    @get("/feedback", name="feedback")
    async def feedback_form(self, request: Request) -> Template:
        """The form, noting the page the visitor came from (`from`, or the referring page of this site)."""
        return page("help/feedback.html", FormResult(data=None, values={"page": request.query_params.get("from") or _came_from(request)}))

    @post("/feedback")
    async def send_feedback(self, request: Request, settings: AppSettings) -> Template:
        form = await request.form()
        values = {name: str(form.get(name) or "") for name in ("doing", "feedback", "email", "page")}
        errors = feedback.problems(values["doing"], values["feedback"], values["email"])
        if errors:
            return page("help/feedback.html", FormResult(data=None, errors=errors, values=values))
        await feedback.send(settings.support_email, **values)
        return page("help/feedback_sent.html")
