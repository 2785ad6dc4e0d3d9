"""The project needs nothing beside it: a clone on its own builds, runs and passes its tests."""

import subprocess
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


def test_the_design_the_code_cites_is_in_the_project():
    design = (PROJECT_ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    for rule in ("1. **Sealed means sealed.**", "3. **Independent evaluation.**"):  # cited by number in the code
        assert rule in design
    assert "`docs/design.md`" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
