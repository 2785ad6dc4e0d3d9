from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from registry import money
from registry.dates import local_time
from registry.settings import PROJECT_ROOT, Settings
from registry.web.components import ComponentTemplate
from registry.web.static import asset_url

TEMPLATES_DIR = PROJECT_ROOT / "frontend_templates"
SERVICE_NAME = "Participation Framework Registry"


def blank_for_none(value):
    """What a template prints for a value: nothing for None. Jinja prints "None", and a form field
    with nothing saved in it (a GOV.UK textarea prints its value as is) would offer the word as the
    user's answer."""
    return "" if value is None else value


class RegistryEnvironment(Environment):
    template_class = ComponentTemplate  # GOV.UK's component macros remembered by their parameters

    def make_globals(self, d):
        """The environment's own globals for every template that has none of its own (all of ours).
        Jinja otherwise gives each template a ChainMap over them, and an import inside a macro (every
        GOV.UK component imports its helpers on every call, some thirty times a page) compares the
        importer's globals with the imported template's: slow over a ChainMap, a set operation
        over a dict."""
        return self.globals if d is None else super().make_globals(d)

    def get_template(self, name, parent=None, globals=None):  # noqa: A002 (Jinja's names)
        if globals:  # Jinja would add them to the (now shared) globals of a template already loaded
            raise ValueError("templates here take their values from the render, not globals of their own")
        return super().get_template(name, parent)


Navigation = Callable[[Request], list[dict]]  # the service navigation's links for a request (registry.pages.navigation)


def no_navigation(request: Request) -> list[dict]:
    return []


def template_config(
    settings: Settings, directory: Path = TEMPLATES_DIR, functions: dict | None = None, navigation: Navigation = no_navigation
) -> TemplateConfig:
    """`functions`: what the domains offer every template (their lifecycles' questions); `navigation`:
    the service navigation; both given by the app."""
    environment = jinja_environment(settings.time_zone, directory, navigation)
    environment.globals.update(functions or {})
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


@cache
def jinja_environment(time_zone: str, directory: Path, navigation: Navigation = no_navigation) -> Environment:
    """One environment per time zone and directory for the whole process, so that every app built in
    it (the test suite builds hundreds) shares the compiled templates instead of compiling its own."""
    zone = ZoneInfo(time_zone)
    environment = RegistryEnvironment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(directory),
                # The GOV.UK Frontend macros import each other as "govuk_frontend_jinja/...".
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change only with a deploy; checking every file on every render cost a stat per template
        finalize=blank_for_none,
    )
    environment.globals.update(
        service_name=SERVICE_NAME,
        time_zone=zone,
        navigation_for=navigation,
        pounds=money.pounds,
        asset=asset_url,
    )
    environment.filters["error_link"] = lambda item: {"text": item[1], "href": f"#{item[0]}"}
    environment.globals["error_for"] = lambda errors, name: {"text": errors[name]} if errors and name in errors else None
    environment.filters["problem_item"] = lambda text: {"text": text}
    environment.filters["money"] = lambda value: "" if value is None else f"£{value:,}"
    environment.filters["long_date"] = lambda value: value.strftime("%-d %B %Y") if value else ""
    environment.filters["iso_long_date"] = lambda text: date.fromisoformat(text).strftime("%-d %B %Y") if text else ""
    environment.filters["name_in"] = lambda code, names: names.get(code, code)
    environment.filters["names_in"] = lambda codes, names: ", ".join(str(names.get(code, code)) for code in codes or ())
    environment.filters["local_time"] = lambda moment: local_time(moment, zone)
    environment.filters["iso_local_time"] = lambda text: local_time(datetime.fromisoformat(text), zone) if text else ""
    return environment
