"""The JSON API's routes (/api/v1): each domain's controller, gathered for the app factory. The
conventions they share are in registry.web.api."""

from registry.award.api import AppointmentsApi
from registry.clarifications.api import ClarificationsApi
from registry.criteria.api import CriteriaApi
from registry.directory.api import DirectoryApi
from registry.engagements.api import EngagementsApi
from registry.evaluation.api import EvaluationsApi
from registry.frameworks.api import FrameworksApi, NoticesApi
from registry.interest.api import InterestApi
from registry.surveys.api import SurveysApi
from registry.tenders.api import TendersApi

ROUTES = [
    FrameworksApi, NoticesApi, InterestApi, SurveysApi, CriteriaApi, ClarificationsApi, TendersApi, EvaluationsApi, AppointmentsApi,
    DirectoryApi, EngagementsApi,
]
