"""What production imports is installed by ``requirements.txt`` alone, not by the test tools beside it."""

import ast
import os
import re
import secrets
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import salesanalytics.settings.base as base_settings
from tests.deploy.runtime_modules import BASE_DIR, runtime_files, runtime_packages


def _requirements(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def _closure(requirements: list[Requirement]) -> set[str]:
    """The distributions pip installs for ``requirements``, from the installed packages' own metadata."""
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    pending = [(requirement, frozenset(requirement.extras)) for requirement in requirements]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        names.add(name)
        for spec in metadata.requires(requirement.name) or []:
            dependency = Requirement(spec)
            wanted = dependency.marker is None or any(
                dependency.marker.evaluate({"extra": extra}) for extra in {"", *extras}
            )
            if wanted:
                pending.append((dependency, frozenset(dependency.extras)))
    return names


def _imported_names(path: Path) -> set[str]:
    """Top-level names of the absolute imports anywhere in the file, function bodies included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _dotted_paths_in_settings() -> set[str]:
    """Modules the settings name as strings, which Django and DRF import by name at run time.

    Read from the base settings production extends: the test settings leave WhiteNoise out.
    """
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+", value):
            found.add(value.split(".")[0])
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for name in ("INSTALLED_APPS", "MIDDLEWARE", "CACHES", "STORAGES", "REST_FRAMEWORK", "TEMPLATES"):
        walk(getattr(base_settings, name))
    return found


def _third_party(names: set[str]) -> set[str]:
    first_party = set(runtime_packages()) | {"tests"}
    return {name for name in names if name not in sys.stdlib_module_names and name not in first_party}


RUNTIME = _closure(_requirements(BASE_DIR / "requirements.txt"))
DISTRIBUTIONS = metadata.packages_distributions()


def _missing_from_runtime(names: set[str]) -> dict[str, list[str]]:
    return {
        name: DISTRIBUTIONS.get(name, [])
        for name in sorted(names)
        if not any(canonicalize_name(dist) in RUNTIME for dist in DISTRIBUTIONS.get(name, []))
    }


def test_the_runtime_requirements_bring_the_redis_transports_own_imports():
    # kombu's Redis transport imports packaging, which the test tools would otherwise bring along unnoticed
    assert {"celery", "kombu", "redis", "packaging", "django-redis"} <= RUNTIME


def test_every_module_production_runs_imports_only_what_requirements_txt_installs():
    imports = {path: _third_party(_imported_names(path)) for path in runtime_files()}
    assert len(imports) > 50  # the walk found the product

    missing = {
        str(path.relative_to(BASE_DIR)): gaps
        for path, names in imports.items()
        if (gaps := _missing_from_runtime(names))
    }

    assert missing == {}


def test_what_the_settings_name_by_string_is_installed_by_requirements_txt():
    names = _third_party(_dotted_paths_in_settings())
    assert {"whitenoise", "rest_framework", "django_filters"} <= names

    assert _missing_from_runtime(names) == {}


def test_the_test_tools_are_not_runtime_requirements():
    dev_only = {canonicalize_name(r.name) for r in _requirements(BASE_DIR / "requirements-dev.txt")}

    assert dev_only & RUNTIME == set()


def test_check_deploy_names_a_broker_transport_that_cannot_load():
    # Given production settings in a Python where kombu's Redis transport cannot import packaging
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'packaging' or name.startswith('packaging.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy'])\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "REDIS_URL": "redis://127.0.0.1:9/0",  # never connected to: loading is checked, not reachability
    }

    result = subprocess.run(
        [sys.executable, "-c", blocker], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "common.E001" in result.stderr
    assert "The Celery broker transport cannot be loaded: ModuleNotFoundError" in result.stderr
    assert "packaging" in result.stderr
