from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class StrictOrderingFilter(OrderingFilter):
    """Ordering from an explicit allowlist; an unknown field is a 400, not silently ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            requested = [term.strip() for term in params.split(",") if term.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [term for term in requested if term.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown ordering field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)
