from django.apps import AppConfig


class RfmConfig(AppConfig):
    """RFM segmentation runs: features, quintile scores, clustering and their stored results."""

    name = "analytics.rfm"
    label = "rfm"
    verbose_name = "RFM segmentation"
