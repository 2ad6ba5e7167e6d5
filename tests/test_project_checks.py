"""Project-wide guarantees: migrations match the models, the OpenAPI schema is complete and clean."""

import os
import secrets
import subprocess
import sys
from io import StringIO

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_are_in_sync_with_the_models():
    # makemigrations --check exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO(), stderr=StringIO())


def test_openapi_schema_generates_without_warnings_and_documents_every_route():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    schema = yaml.safe_load(out.getvalue())
    paths = schema["paths"]
    for route in [
        "/api/v1/auth/register/",
        "/api/v1/auth/login/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/me/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/customers/{id}/orders/",
        "/api/v1/memberships/{id}/",
        "/api/v1/categories/{id}/",
        "/api/v1/products/{id}/",
        "/api/v1/teams/{id}/",
        "/api/v1/agents/{id}/",
        "/api/v1/orders/{id}/",
    ]:
        assert route in paths, route
    product_list_params = {p["name"] for p in paths["/api/v1/products/"]["get"]["parameters"]}
    assert {
        "page",
        "page_size",
        "search",
        "ordering",
        "include_deleted",
        "category",
        "min_price",
    } <= product_list_params
    order_lines = schema["components"]["schemas"]["OrderRequest"]["properties"]["lines"]
    assert order_lines["type"] == "array"


@pytest.mark.django_db
def test_role_groups_exist_after_migrate():
    from django.contrib.auth.models import Group

    viewer = set(Group.objects.get(name="viewer").permissions.values_list("codename", flat=True))
    manager = set(Group.objects.get(name="manager").permissions.values_list("codename", flat=True))

    assert {"view_order", "view_product", "view_customer"} <= viewer
    assert not {code for code in viewer if not code.startswith("view_")}
    assert {"add_order", "change_product", "delete_customer", "view_agent"} <= manager


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process: settings modules are read once per process."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checklist():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "salesanalytics.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DJANGO_ALLOWED_HOSTS": "sales.example.com",
        },
    )
    assert result.returncode == 0, result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", env={"DJANGO_SETTINGS_MODULE": "salesanalytics.settings.production"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_swagger_ui_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert "drf_spectacular_sidecar/swagger-ui-dist" in response.text
    assert "cdn.jsdelivr.net" not in response.text
