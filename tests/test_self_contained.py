"""The project needs nothing beside it: a clone on its own builds, runs and passes its tests."""

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from registry.settings import PROJECT_ROOT

OUTSIDE = "../" + "shared"  # written in two parts so that this file does not name it whole
NOT_THE_PROJECT = {".git", ".venv", "node_modules", "var", "__pycache__", ".pytest_cache", "build"}


def project_files() -> list[Path]:
    """The files under version control; every file of the tree when there is no git checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
        return [PROJECT_ROOT / name for name in listed.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        return [
            path for path in PROJECT_ROOT.rglob("*")
            if path.is_file() and not NOT_THE_PROJECT & set(path.relative_to(PROJECT_ROOT).parts)
        ]


def test_nothing_in_the_project_refers_to_a_directory_beside_it():
    files = [path for path in project_files() if path.is_file() and path != Path(__file__)]
    assert len(files) > 100
    naming = [str(path.relative_to(PROJECT_ROOT)) for path in files if OUTSIDE.encode() in path.read_bytes()]
    assert naming == []


def test_no_file_of_the_project_is_a_link_to_somewhere_else():
    """A symbolic link (a work tree's .venv, once) points at this machine's folders: in a stranger's
    clone it points at nothing, and `make` would build into it."""
    linked = [str(path.relative_to(PROJECT_ROOT)) for path in project_files() if path.is_symlink()]
    assert linked == []


def test_the_design_the_code_cites_is_in_the_project():
    design = (PROJECT_ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    for rule in ("1. **Sealed means sealed.**", "3. **Independent evaluation.**"):  # cited by number in the code
        assert rule in design
    assert "`docs/design.md`" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def imported_packages(folder: str) -> set[str]:
    """The top-level modules the Python files under `folder` import, other than the standard
    library's and the project's own."""
    names = set()
    for path in (PROJECT_ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in ("registry", "tests", "benchmarks")}


def declared(*extras: str) -> set[str]:
    """The distributions pyproject.toml names: its dependencies, and those of `extras`."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [r for extra in extras for r in project["optional-dependencies"][extra]]
    return {canonical(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]) for requirement in requirements}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def undeclared(folder: str, *extras: str) -> dict[str, list[str]]:
    """Imports under `folder` that no declared distribution provides (a package installed only by
    hand, or only as another's dependency, is missing from a clean clone's environment)."""
    providers = importlib.metadata.packages_distributions()
    allowed = declared(*extras)
    missing = {}
    for name in sorted(imported_packages(folder)):
        distributions = [canonical(d) for d in providers.get(name, [])]
        if not allowed.intersection(distributions) and not allowed.intersection(declared_by(allowed, distributions)):
            missing[name] = distributions
    return missing


def declared_by(allowed: set[str], distributions: list[str]) -> set[str]:
    """The declared distributions that bring one of `distributions` as an extra they ask for
    (litestar[jinja] brings jinja2, say): they count as declared."""
    extras_of = {canonical(re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0]): r for r in _requirements()}
    return {name for name, requirement in extras_of.items() if "[" in requirement and name in allowed and _brings(requirement, distributions)}


def _requirements() -> list[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]


def _brings(requirement: str, distributions: list[str]) -> bool:
    name, extras = re.match(r"([^\[]+)\[([^\]]+)\]", requirement).groups()
    for dependency in importlib.metadata.requires(name) or []:
        marker = dependency.split(";", 1)[1] if ";" in dependency else ""
        if canonical(re.split(r"[\[<>=!~; (]", dependency, maxsplit=1)[0]) in distributions and any(f'"{e.strip()}"' in marker or f"'{e.strip()}'" in marker for e in extras.split(",")):
            return True
    return False


def test_every_package_the_service_imports_is_declared_in_pyproject():
    assert undeclared("registry") == {}


def test_every_package_the_tests_and_benchmarks_import_is_declared_in_pyproject():
    assert undeclared("tests", "test") == {}
    assert undeclared("benchmarks", "test") == {}
