from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(sender, using: str = "default", **kwargs) -> None:
    from accounts.roles import sync_role_groups

    sync_role_groups(using=using)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Runs after every app's permissions exist, so models added later join the roles too.
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="accounts.sync_role_groups")
