"""Feedback on the service, from anyone: sent to the team that runs it (settings.support_email)."""

import re

from registry.notifications import service as notifications

MAX_TEXT = 2000
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def problems(doing: str, feedback: str, email: str) -> dict[str, str]:
    """What is wrong with a feedback form, by field."""
    found = {}
    if not feedback.strip():
        found["feedback"] = "Tell us what went wrong or what could be better"
    elif len(feedback) > MAX_TEXT:
        found["feedback"] = f"Your feedback must be {MAX_TEXT:,} characters or fewer"
    if len(doing) > MAX_TEXT:
        found["doing"] = f"What you were doing must be {MAX_TEXT:,} characters or fewer"
    if email.strip() and not EMAIL.fullmatch(email.strip()):
        found["email"] = "Enter an email address in the correct format, like name@example.com, or leave it empty"
    return found


async def send(support_email: str, *, doing: str, feedback: str, email: str, page: str) -> None:
    await notifications.enqueue(
        recipient=support_email, subject="Feedback on the Participation Framework Registry",
        body=(
            f"Page: {page or 'not given'}\n"
            f"Reply to: {email.strip() or 'no reply wanted'}\n\n"
            f"What they were doing:\n{doing.strip() or 'not given'}\n\n"
            f"Their feedback:\n{feedback.strip()}\n"
        ),
    )
