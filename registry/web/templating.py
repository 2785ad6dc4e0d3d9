from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from registry.settings import PROJECT_ROOT, Settings

TEMPLATES_DIR = PROJECT_ROOT / "frontend_templates"
SERVICE_NAME = "Participation Framework Registry"


def template_config(settings: Settings, directory: Path = TEMPLATES_DIR) -> TemplateConfig:
    environment = Environment(
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
    )
    environment.globals.update(
        service_name=SERVICE_NAME,
        time_zone=settings.zone,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))
