"""A published framework's public page: the framework and every stage it has reached – the notices,
the request for information's reasoned response, the published clarifications, the assessment, the
award – and, for a signed-in supplier, whether it follows the framework and its debrief letters.
Composed here, above the stages, because it reads all of them."""

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from registry import clock
from registry.award import service as award
from registry.clarifications import service as clarifications
from registry.engagements import service as engagements
from registry.frameworks import calendar, documents, eligibility, lifecycle, notices as notice_types, service
from registry.frameworks.public_controllers import published_framework
from registry.frameworks.regimes import RULES
from registry.interest import service as interest
from registry.reference import cpv, taxonomies
from registry.surveys import service as surveys
from registry.web.pages import page
from registry.web.remembered import Rendered, visitors_copy


async def published_reasoned_response(framework_id: int) -> list:
    survey = await surveys.current_survey(framework_id)
    return await surveys.reasoned_entries(survey.id, published_only=True) if survey else []


async def published_clarifications(framework_id: int) -> list[dict]:
    return await clarifications.published(framework_id)


async def own_debrief_lots(user, framework_id: int) -> list[int]:
    """The lots for which a signed-in supplier's organisation has a debrief letter."""
    if user is None or not user.has_role("supplier"):
        return []
    return await award.own_debrief_lots(user.organisation_id, framework_id)


class FrameworkPageController(Controller):
    include_in_schema = False

    @get("/frameworks/{reference:str}", name="framework")
    async def show(self, request: Request, reference: FromPath[str]) -> Template | Response:
        return await visitors_copy(request, lambda: framework_page(request.scope.get("user"), reference))

    @get("/frameworks/{reference:str}/call-off-notices/{engagement:str}", name="call_off_award_notice")
    async def call_off_award_notice(self, reference: FromPath[str], engagement: FromPath[str]) -> Template:
        """A call-off's contract award notice (Scotland-regime frameworks, £50,000 or more)."""
        framework = await published_framework(reference)
        notice = await engagements.published_award_notice(framework.reference, engagement)
        if notice is None:
            raise NotFoundException("There is no award notice for that call-off")
        return page("frameworks/call_off_notice.html", framework=framework, notice=notice)


async def framework_page(user, reference: str) -> Rendered:
    """The page holds until the framework's next key date, when what may be done changes."""
    framework = await published_framework(reference)
    now = clock.received()  # the moment the page is built as of (web.remembered)
    followed = None
    if user is not None and user.has_role("supplier"):
        followed = await interest.current(user.organisation_id, framework.id)
    notices = await service.notices(framework.id)
    latest_pin = next((n for n in reversed(notices) if n.kind == "pin"), None)
    latest_tender_notice = next((n for n in reversed(notices) if n.kind == "tender"), None)
    # England: the contract details notice once the suppliers are appointed, the contract award notice before
    latest_award_notice = next((n for n in reversed(notices) if n.kind == "contract_details"), None) or next(
        (n for n in reversed(notices) if n.kind == "award"), None,
    )
    return Rendered(page(
        "frameworks/show.html",
        framework=framework, authority=await service.authority_name(framework), lots=await service.lots(framework.id),
        notices=notices, latest_pin=latest_pin, timeline=await service.timeline(framework.id), labels=lifecycle.lifecycle_of(framework).labels, meanings=lifecycle.lifecycle_of(framework).meanings,
        key_dates=calendar.key_dates(framework), regime=RULES[framework.regime], followed=followed,
        open_for_interest=lifecycle.open_for_interest(framework.state, framework.tender_deadline, now),
        subjects={t.code: t.name for t in taxonomies.terms("lot_subjects")},
        documents=await documents.for_framework(framework.id), document_types=documents.DOCUMENT_TYPES,
        cpv_codes=cpv.in_order(framework.cpv_codes or []),
        reasoned=await published_reasoned_response(framework.id),
        assessment=service.notice_content(latest_tender_notice) if latest_tender_notice else None,
        clarifications=await published_clarifications(framework.id),
        award=service.notice_content(latest_award_notice) if latest_award_notice else None,
        debrief_lots=await own_debrief_lots(user, framework.id),
        entitled=await eligibility.entitled(framework), entitled_source=eligibility.source(framework),
        notice_titles=notice_types.titles(framework.regime),
        call_off_notices=await engagements.published_award_notices(framework),
    ), until=calendar.next_key_date(framework, now))
