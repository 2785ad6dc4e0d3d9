"""Open data follows every stage: each published notice, document, clarification answer, reasoned
response and engagement step becomes an OCDS release in the same transaction (registered by
registry.app.register_hooks)."""

from registry.clarifications import service as clarifications
from registry.engagements import service as engagements
from registry.frameworks import stages
from registry.opendata import service as opendata
from registry.surveys import service as surveys


async def engagement_step(reference: str, event: str, previous_state: str | None) -> None:
    await opendata.engagement_published(reference, event, previous_state=previous_state)


def register() -> None:
    stages.notice_published.register(opendata.notice_published)
    stages.document_published.register(opendata.document_published)
    clarifications.answer_published.register(opendata.clarification_published)
    surveys.reasoned_response_published.register(opendata.reasoned_response_published)
    engagements.step_published.register(engagement_step)
