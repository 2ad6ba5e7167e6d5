"""Request parsing for segment criteria."""

import codecs
import json
from decimal import Decimal

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class CriteriaJSONParser(JSONParser):
    """JSON with numbers read as exact decimals, and NaN/Infinity let through to validation.

    The criteria validator then refuses them naming the criterion, where the strict parser could
    only say the body was not JSON; no such value is ever stored or rendered.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.load(codecs.getreader(encoding)(stream), parse_float=Decimal)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
