from django.apps import AppConfig


class CompatConfig(AppConfig):
    """The five original backends' routes, translated onto this product's services and selectors."""

    name = "compat"
    verbose_name = "Compatibility routes"
