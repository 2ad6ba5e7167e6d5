"""The compat routes in the OpenAPI schema: exact paths, one tag per original, readable unique ids."""

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

# Every route each original documents, as it writes it after its prefix, with its methods.
DOCUMENTED = {
    ("segments-api", "/compat/segments-api/api/v1/"): {
        "segments": {"get", "post"},
        "segments/{segment_id}/customers": {"get"},
        "data/refresh": {"post"},
        "data/logs": {"get"},
    },
    ("purchases-api", "/compat/purchases-api/"): {
        "users": {"post"},
        "users/{id}": {"get", "patch", "delete"},
        "purchases": {"post"},
        "purchases/{id}": {"get", "patch", "delete"},
        "purchases/user/{id}": {"get"},
        "purchases/analytic/most_valuable_customer": {"get"},
        "purchases/analytic/most_popular_product": {"get"},
        "products/data/backfill": {"get"},
    },
    ("sales-api", "/compat/sales-api/api/v1/"): {
        "sales/by-user": {"get"},
        "sales/by-group": {"get"},
    },
    ("analytics-api", "/compat/analytics-api/api/"): {
        "analytics/data": {"get"},
        "analytics/refresh-cache": {"post"},
    },
    ("retail-api", "/compat/retail-api/"): {
        "register": {"post"},
        "login": {"post"},
        "dashboard/": {"get"},
        "product-categories/": {"get"},
        "products/": {"get", "post"},
        "products/{product_id}": {"get", "put", "delete"},
        "transactions/": {"get", "post"},
        "transactions/{transaction_id}": {"get"},
        "memberships/": {"get", "post"},
        "memberships/{membership_id}": {"get", "put", "delete"},
    },
}
SEED = {"segments-api": "000", "purchases-api": "001", "sales-api": "002", "analytics-api": "003", "retail-api": "004"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def compat_operations(schema: dict):
    for path, operations in schema["paths"].items():
        if path.startswith("/compat/"):
            for method, operation in operations.items():
                yield path, method, operation


def test_every_documented_route_is_in_the_schema_with_its_methods(schema):
    for (_name, prefix), routes in DOCUMENTED.items():
        for route, methods in routes.items():
            path = prefix + route
            assert path in schema["paths"], path
            assert set(schema["paths"][path]) == methods, path


def test_the_schema_lists_no_compat_route_the_originals_do_not_document(schema):
    documented = {prefix + route for (_name, prefix), routes in DOCUMENTED.items() for route in routes}
    assert {path for path, _method, _operation in compat_operations(schema)} == documented


def test_each_original_has_one_tag_of_its_own(schema):
    for path, _method, operation in compat_operations(schema):
        name = path.split("/")[2]
        assert operation["tags"] == [f"compat: {name} (seed {SEED[name]})"], path
    unified_tags = {
        tag
        for path, ops in schema["paths"].items()
        if path.startswith("/api/")
        for op in ops.values()
        for tag in op["tags"]
    }
    assert not {tag for tag in unified_tags if tag.startswith("compat")}


def test_operation_ids_name_the_original_and_are_unique(schema):
    ids = [operation["operationId"] for _path, _method, operation in compat_operations(schema)]
    for path, _method, operation in compat_operations(schema):
        assert operation["operationId"].startswith(f"compat_{path.split('/')[2].replace('-', '_')}_"), path
        assert "api_v1" not in operation["operationId"]
    assert len(ids) == len(set(ids))
    all_ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(all_ids) == len(set(all_ids))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        prefix + route.replace("{id}", "1").replace("{product_id}", "1").replace("{segment_id}", "1")
        for (_name, prefix), routes in DOCUMENTED.items()
        for route, methods in routes.items()
        if "get" in methods
    ],
)
def test_documented_paths_answer_as_written_and_never_redirect(viewer_client, path):
    assert resolve(path).url_name.startswith("compat-")
    assert viewer_client.get(path).status_code not in {301, 302, 307, 308}
    if path.endswith("/"):
        # 004's collections: without the slash, APPEND_SLASH redirects, as FastAPI's redirect_slashes did.
        assert viewer_client.get(path.rstrip("/")).status_code == 301
    else:
        assert viewer_client.get(path + "/").status_code == 404
