"""The dashboard's pages through Django's test client: who may open them, the empty state, the admin's links."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from accounts.roles import VIEWER

DASHBOARD = "/dashboard/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _staff(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def staff_without_role(db) -> User:
    return _staff(User.objects.create_user(username="clerk", password="s3cure-Passw0rd!"))


def test_dashboard_is_mounted_at_its_documented_path():
    assert reverse("dashboard:index") == DASHBOARD


def test_anonymous_visitor_is_redirected_to_the_admin_login(client: Client, db):
    response = client.get(DASHBOARD, {"interval": "week"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/dashboard/%3Finterval%3Dweek"


def test_signed_in_user_who_is_not_staff_gets_403_with_the_reason(viewer_user: User):
    response = _client(viewer_user).get(DASHBOARD)

    assert response.status_code == 403
    assert "not a staff account" in response.text
    assert "<canvas" not in response.text


def test_staff_without_the_right_to_read_orders_gets_403(staff_without_role: User):
    response = _client(staff_without_role).get(DASHBOARD)

    assert response.status_code == 403
    assert "may not read orders" in response.text


def test_staff_viewer_and_superuser_may_open_it(viewer_user: User, superuser: User):
    assert _client(_staff(viewer_user)).get(DASHBOARD).status_code == 200
    assert _client(superuser).get(DASHBOARD).status_code == 200


def test_inactive_staff_is_refused(superuser: User):
    client = _client(superuser)
    superuser.is_active = False
    superuser.save(update_fields=["is_active"])

    assert client.get(DASHBOARD).status_code == 302  # the session no longer authenticates


def test_empty_database_shows_how_to_import_instead_of_charts(superuser: User):
    response = _client(superuser).get(DASHBOARD)

    assert response.status_code == 200
    assert 'id="empty-state"' in response.text
    assert "No sales yet" in response.text
    assert f'href="{reverse("admin:ingestion_importjob_import")}"' in response.text
    assert "python manage.py import_csv PATH --kind sales" in response.text
    assert "Order ID, Product ID, Customer ID" in response.text
    assert "<canvas" not in response.text


def test_empty_state_for_a_viewer_asks_a_manager_to_import(viewer_user: User):
    response = _client(_staff(viewer_user)).get(DASHBOARD)

    assert "Ask a manager to upload a sales CSV" in response.text
    assert reverse("admin:ingestion_importjob_import") not in response.text  # a viewer may not import


def test_dashboard_page_looks_like_the_admin(superuser: User):
    response = _client(superuser).get(DASHBOARD)

    assert "Sales Analytics administration" in response.text  # the admin's header
    assert '<div class="breadcrumbs">' in response.text
    assert 'href="/static/dashboard/dashboard.css"' in response.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1.0">' in response.text


def test_admin_index_and_every_admin_header_link_the_dashboard(superuser: User):
    client = _client(superuser)

    index = client.get(reverse("admin:index"))
    changelist = client.get(reverse("admin:sales_order_changelist"))

    assert 'id="dashboard-links"' in index.text
    assert f'href="{DASHBOARD}">Sales dashboard</a>' in index.text
    assert f'href="{reverse("admin:ingestion_importjob_import")}">Import CSV</a>' in index.text
    for page in (index, changelist):
        assert f'<a href="{DASHBOARD}" id="header-dashboard-link">Dashboard</a>' in page.text


def test_admin_header_has_no_dashboard_link_for_staff_who_may_not_open_it(staff_without_role: User):
    staff_without_role.groups.clear()
    page = _client(staff_without_role).get(reverse("admin:index"))

    assert page.status_code == 200
    assert "header-dashboard-link" not in page.text
    assert 'id="dashboard-links"' not in page.text


def test_viewer_sees_the_dashboard_link_but_not_the_import_link(viewer_user: User):
    viewer_user.groups.add(Group.objects.get(name=VIEWER))
    index = _client(_staff(viewer_user)).get(reverse("admin:index"))

    assert f'href="{DASHBOARD}">Sales dashboard</a>' in index.text
    assert f'href="{reverse("admin:ingestion_importjob_import")}">Import CSV</a>' not in index.text
