from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from analytics.receivers import connect_dimension_receivers
        from analytics.rollups import connect_rollup_receivers

        connect_dimension_receivers()
        connect_rollup_receivers()
