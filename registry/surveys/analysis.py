"""What the request for information heard: submitted responses only, counted per question, with
filters by the responding supplier's size, region and type; and every response as CSV."""

import csv
import io
import statistics
from dataclasses import dataclass, field

from registry.interest.tables import ExpressionOfInterest
from registry.suppliers.tables import SupplierProfile
from registry.surveys import answers
from registry.surveys.service import answer_value, display, structure
from registry.surveys.tables import Answer, Question, QuestionKind, ResponseStatus, Survey, SurveyResponse
from registry.spreadsheets import spreadsheet_safe


@dataclass(frozen=True)
class Filters:
    size: str | None = None
    region: str | None = None
    organisation_type: str | None = None


@dataclass
class Respondent:
    response_id: int
    reference: str
    organisation: str
    size: str | None
    organisation_type: str | None
    regions: list[str]
    submitted_at: object


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    counts: list[tuple[str, int, float]] = field(default_factory=list)  # label, count, percent of those answering
    numbers: dict[str, float] | None = None
    texts: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # answer, organisation type, size


async def respondents(survey_id: int, filters: Filters = Filters()) -> list[Respondent]:
    rows = await SurveyResponse.select(
        SurveyResponse.id, SurveyResponse.reference, SurveyResponse.organisation, SurveyResponse.submitted_at,
        SurveyResponse.organisation.legal_name.as_alias("name"), SurveyResponse.organisation.size.as_alias("size"),
        SurveyResponse.organisation.organisation_type.as_alias("organisation_type"),
    ).where((SurveyResponse.survey == survey_id) & (SurveyResponse.status == ResponseStatus.SUBMITTED)).order_by(SurveyResponse.submitted_at)
    regions = {
        row["organisation"]: row["regions"]
        for row in await SupplierProfile.select(SupplierProfile.organisation, SupplierProfile.regions).where(
            SupplierProfile.organisation.is_in([r["organisation"] for r in rows] or [-1])
        )
    }
    found = [
        Respondent(r["id"], r["reference"], r["name"], r["size"], r["organisation_type"], regions.get(r["organisation"], []), r["submitted_at"])
        for r in rows
    ]
    return [
        r for r in found
        if (not filters.size or r.size == filters.size)
        and (not filters.region or filters.region in r.regions)
        and (not filters.organisation_type or r.organisation_type == filters.organisation_type)
    ]


async def response_rate(survey: Survey, submitted: int) -> tuple[int, int]:
    """Submitted responses against the organisations that registered interest."""
    interested = await ExpressionOfInterest.count().where(
        (ExpressionOfInterest.framework == survey.framework) & ExpressionOfInterest.withdrawn_at.is_null()
    )
    return submitted, interested


async def analyse(survey_id: int, filters: Filters = Filters()) -> tuple[list[Respondent], list[QuestionResult]]:
    people = await respondents(survey_id, filters)
    by_response = {r.response_id: r for r in people}
    given = await Answer.objects().where(Answer.response.is_in(list(by_response) or [-1]))
    results = []
    for _, section_questions in await structure(survey_id):
        for question in section_questions:
            values = [(answer_value(a), a.other_text, by_response[a.response]) for a in given if a.question == question.id and answer_value(a) is not None]
            results.append(_result(question, values))
    return people, results


def _result(question: Question, values: list) -> QuestionResult:
    result = QuestionResult(question=question, answered=len(values))
    kind = QuestionKind(question.kind)
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.YES_NO, QuestionKind.SCALE):
        labels = _labels(question)
        for value, label in labels:
            count = sum(1 for v, _, _ in values if (value in v if isinstance(v, list) else v == value))
            result.counts.append((label, count, round(100 * count / len(values), 1) if values else 0.0))
    if kind == QuestionKind.MULTIPLE_CHOICE and question.allow_other:
        result.texts = [(other, who.organisation_type, who.size) for v, other, who in values if answers.OTHER in v and other]
    if kind in (QuestionKind.NUMBER, QuestionKind.SCALE) and values:
        numbers = [float(v) for v, _, _ in values]
        result.numbers = {"count": len(numbers), "minimum": min(numbers), "maximum": max(numbers),
                          "mean": round(statistics.fmean(numbers), 2), "median": statistics.median(numbers)}
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        result.texts = [(v, who.organisation_type, who.size) for v, _, who in values]
    return result


def _labels(question: Question) -> list[tuple[object, str]]:
    kind = QuestionKind(question.kind)
    if kind == QuestionKind.YES_NO:
        return [("yes", "Yes"), ("no", "No")]
    if kind == QuestionKind.SCALE:
        points = question.scale_points or 5
        return [(p, f"{p}" + (f" ({question.scale_low_label})" if p == 1 else f" ({question.scale_high_label})" if p == points else "")) for p in range(1, points + 1)]
    labels = [(option, option) for option in question.options]
    if kind == QuestionKind.MULTIPLE_CHOICE and question.allow_other:
        labels.append((answers.OTHER, "Other"))
    return labels


async def as_csv(survey_id: int) -> str:
    """One row per submitted response; one column per question, and one per option of a
    multiple-choice question (with its 'other' text in a column of its own)."""
    people = await respondents(survey_id)
    questions = [q for _, qs in await structure(survey_id) for q in qs]
    given = await Answer.objects().where(Answer.response.is_in([p.response_id for p in people] or [-1]))
    lookup = {(a.response, a.question): a for a in given}
    header = ["Reference", "Organisation", "Size", "Type", "Submitted at (UTC)"]
    for n, q in enumerate(questions, start=1):
        if q.kind == QuestionKind.MULTIPLE_CHOICE:
            header += [f"Q{n} {q.text}: {option}" for option in q.options]
            if q.allow_other:
                header.append(f"Q{n} {q.text}: other")
        else:
            header.append(f"Q{n} {q.text}")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(h) for h in header])
    for person in people:
        row = [person.reference, person.organisation, person.size or "", person.organisation_type or "", person.submitted_at.isoformat(timespec="seconds")]
        for q in questions:
            answer = lookup.get((person.response_id, q.id))
            value = answer_value(answer)
            if q.kind == QuestionKind.MULTIPLE_CHOICE:
                row += ["yes" if value and option in value else "" for option in q.options]
                if q.allow_other:
                    row.append(answer.other_text if answer and value and answers.OTHER in value else "")
            else:
                row.append("" if value is None else display(q, answer))
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return out.getvalue()



