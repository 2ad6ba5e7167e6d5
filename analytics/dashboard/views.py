from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.dashboard.answer import dashboard_answer
from analytics.dashboard.params import dashboard_query_parse
from analytics.dashboard.serializers import DashboardSerializer
from analytics.rfm.models import RfmAlgorithm
from sales.models import Order


@extend_schema(
    tags=["analytics"],
    summary="Sales KPIs and the RFM segments of a date range",
    parameters=[
        OpenApiParameter("start_date", str, description="YYYY-MM-DD, inclusive."),
        OpenApiParameter("end_date", str, description="YYYY-MM-DD, inclusive; also the RFM reference date."),
        OpenApiParameter("model", str, enum=RfmAlgorithm.values, description="Default quantile."),
    ],
    responses={200: DashboardSerializer},
)
class DashboardApi(APIView):
    """Cached per range, model and data version; the segments come from a stored RFM run of the same.

    Without such a run a small range is segmented at once; a large one answers
    the KPIs with ``customer_segments.status: "running"`` and the run's id.
    """

    queryset = Order.objects.all()  # for the model permissions: reading sales

    def get(self, request: Request) -> Response:
        return Response(dashboard_answer(query=dashboard_query_parse(request.query_params)))
