from rest_framework.permissions import DjangoModelPermissions


class ModelRolePermission(DjangoModelPermissions):
    """Django model permissions, with reads requiring ``view`` too.

    The ``viewer`` group holds view permissions, ``manager`` all four, so a
    viewer's writes are refused with 403 and anonymous requests with 401.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
