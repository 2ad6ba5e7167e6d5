"""The product's runtime modules, and a check that they all import where only ``requirements.txt`` is installed.

Run as ``python -m tests.deploy.runtime_modules`` in such an environment (CI's
production smoke step does) with the settings it will serve under: it imports
every runtime module, builds the WSGI application (middleware included), and
loads the broker transport, result backend and cache client the settings name,
which their libraries would otherwise load only on first use. It uses the
standard library and the runtime requirements alone.
"""

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Folders of the repository that production never imports.
NOT_RUNTIME = {"tests", "bench"}
# Runtime files that are not inside a package.
RUNTIME_SCRIPTS = ("manage.py", "gunicorn.conf.py")
SETTINGS_PACKAGE = "salesanalytics.settings"


def runtime_packages() -> list[str]:
    return sorted(
        path.name
        for path in BASE_DIR.iterdir()
        if path.is_dir() and (path / "__init__.py").is_file() and path.name not in NOT_RUNTIME
    )


def runtime_files() -> Iterator[Path]:
    """Every Python file production runs: the packages' modules, ``manage.py`` and the gunicorn configuration."""
    for package in runtime_packages():
        yield from sorted((BASE_DIR / package).rglob("*.py"))
    for name in RUNTIME_SCRIPTS:
        if (BASE_DIR / name).is_file():
            yield BASE_DIR / name


def module_name(path: Path) -> str | None:
    """The dotted name of a file inside a package, or ``None`` for a script."""
    relative = path.relative_to(BASE_DIR).with_suffix("")
    if len(relative.parts) == 1:
        return None
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def main() -> int:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesanalytics.settings.production")
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    from common.checks import backends_load

    active = os.environ["DJANGO_SETTINGS_MODULE"]
    failures: list[str] = []
    imported = 0
    for path in runtime_files():
        name = module_name(path)
        # Another settings module would configure a different mode in this process: its imports are checked statically.
        if name is None or (name.startswith(f"{SETTINGS_PACKAGE}.") and name != active):
            continue
        try:
            importlib.import_module(name)
            imported += 1
        except Exception as exc:
            failures.append(f"{name}: {exc.__class__.__name__}: {exc}")
    try:
        get_wsgi_application()
    except Exception as exc:
        failures.append(f"the WSGI application: {exc.__class__.__name__}: {exc}")
    failures += [message.msg for message in backends_load(None)]
    for failure in failures:
        print(f"runtime import failed: {failure}", file=sys.stderr)
    print(f"{imported} runtime modules imported under {active}; {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
