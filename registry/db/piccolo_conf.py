"""Piccolo's configuration: the apps (one per domain) and the engine they use.

Piccolo's own CLI finds this module through PICCOLO_CONF=registry.db.piccolo_conf, for example
to write a migration: `PICCOLO_CONF=registry.db.piccolo_conf piccolo migrations new accounts --auto`.
"""

from piccolo.conf.apps import AppRegistry

from registry import db
from registry.settings import Settings

APP_REGISTRY = AppRegistry(
    apps=[
        "registry.accounts.piccolo_app",
        "registry.audit.piccolo_app",
        "registry.notifications.piccolo_app",
        "registry.frameworks.piccolo_app",
        "registry.conflicts.piccolo_app",
        "registry.suppliers.piccolo_app",
        "registry.interest.piccolo_app",
        "registry.surveys.piccolo_app",
        "registry.clarifications.piccolo_app",
        "registry.criteria.piccolo_app",
        "registry.tenders.piccolo_app",
        "registry.evaluation.piccolo_app",
        "registry.award.piccolo_app",
        "registry.engagements.piccolo_app",
        "registry.directory.piccolo_app",
        "registry.opendata.piccolo_app",
    ]
)


def __getattr__(name: str):
    # Piccolo looks up DB on this module each time it needs the engine; answer with the bound one
    # (binding it from the settings on first use, as Piccolo's CLI needs).
    if name != "DB":
        raise AttributeError(name)
    try:
        return db.current()
    except RuntimeError:
        engine = db.create_engine(Settings().database_url)
        db.bind(engine)
        return engine
