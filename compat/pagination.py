"""Pages for the originals' whole-list answers, with the way to the next page in response headers."""

from rest_framework.pagination import PageNumberPagination


class LinkHeaderPagination(PageNumberPagination):
    """The originals answered whole lists; a page of up to 500 rows keeps the body exactly as they wrote it.

    ``?page=`` and ``?page_size=`` work as on ``/api/v1/``; ``X-Total-Count`` and an
    RFC 8288 ``Link`` header (``rel="next"``/``"prev"``) tell a client there is more.
    """

    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 500

    def page_headers(self) -> dict[str, str]:
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        headers = {"X-Total-Count": str(self.page.paginator.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return headers

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return schema
