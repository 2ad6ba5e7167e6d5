"""docker-compose.yml, the Dockerfile and CI's production smoke step run the same commands."""

import json
import re
import shlex

import yaml

from tests.deploy.runtime_modules import BASE_DIR

COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
CI = (BASE_DIR / ".ci" / "run").read_text()
SMOKE = re.search(r"^production_smoke\(\) \{.*?^\}$", CI, re.M | re.S).group(0)


def _command(service: str) -> list[str]:
    command = COMPOSE["services"][service]["command"]
    return shlex.split(command) if isinstance(command, str) else command


def _in_smoke(words: list[str]) -> bool:
    """The smoke step runs these words in this order, whatever it passes around them."""
    return " ".join(words) in " ".join(SMOKE.replace("\\\n", " ").split())


def test_every_service_of_the_stack_has_a_healthcheck():
    assert set(COMPOSE["services"]) == {"postgres", "redis", "web", "worker", "beat"}
    assert all("healthcheck" in service for service in COMPOSE["services"].values())


def test_web_runs_gunicorn_from_its_config_file_after_migrating_in_compose_the_image_and_ci():
    script = _command("web")[-1]  # sh -c "..."
    assert "python manage.py migrate --noinput" in script and "exec gunicorn --config gunicorn.conf.py" in script
    dockerfile_cmd = re.search(r"^CMD (.+)$", (BASE_DIR / "Dockerfile").read_text(), re.M).group(1)
    assert json.loads(dockerfile_cmd) == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert _in_smoke(["python", "manage.py", "migrate", "--noinput"])
    assert _in_smoke(["gunicorn", "--config", "gunicorn.conf.py"])


def test_the_worker_and_beat_run_the_same_commands_in_compose_and_ci():
    assert _in_smoke(_command("worker"))
    beat = _command("beat")
    schedule = beat.index("--schedule")
    assert _in_smoke(beat[:schedule]) and _in_smoke(beat[schedule + 2 :])


def test_ci_runs_the_worker_and_beat_healthchecks_compose_runs():
    for service, node in (("worker", "celery@"), ("beat", "celerybeat@")):
        check = COMPOSE["services"][service]["healthcheck"]["test"][-1]
        assert check.startswith(f"celery -A salesanalytics inspect ping -d {node}$$HOSTNAME --timeout 10")
    assert 'for node in "celery@$(hostname)" "celerybeat@$(hostname)"' in SMOKE
    assert _in_smoke(["stack", "celery", "-A", "salesanalytics", "inspect", "ping", "-d", '"$node"', "--timeout", "10"])


def test_ci_takes_its_settings_from_env_example():
    assert "grep -E '^[A-Z][A-Z0-9_]*=' .env.example" in SMOKE
    assert COMPOSE["x-app"]["environment"]["DJANGO_SETTINGS_MODULE"] == "salesanalytics.settings.production"
    assert '"DJANGO_SETTINGS_MODULE=salesanalytics.settings.production"' in SMOKE
