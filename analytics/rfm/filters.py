import django_filters

from analytics.rfm.models import RfmAlgorithm, RfmRun, RfmRunCustomer, RfmRunStatus


class RfmRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RfmRunStatus.choices)
    algorithm = django_filters.ChoiceFilter(choices=RfmAlgorithm.choices)

    class Meta:
        model = RfmRun
        fields = ["status", "algorithm", "reference_date"]


class RfmRunCustomerFilter(django_filters.FilterSet):
    segment = django_filters.CharFilter(help_text="Exactly a segment name of the run, e.g. Champions.")

    class Meta:
        model = RfmRunCustomer
        fields = ["segment", "cluster", "r_score", "f_score", "m_score", "customer"]
