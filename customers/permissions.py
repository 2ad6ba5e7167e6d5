"""Role permissions for the segment routes whose view is not about the segment model itself."""

from common.permissions import ModelRolePermission
from customers.models import Segment

_VIEW = ["%(app_label)s.view_%(model_name)s"]
_CHANGE = ["%(app_label)s.change_%(model_name)s"]


class SegmentPermission(ModelRolePermission):
    """The roles' rights on segments, for views that list members, snapshots or changes of one."""

    def _queryset(self, view):
        return Segment.objects.none()


class SegmentReadPermission(SegmentPermission):
    """A read that arrives as a POST (a preview computes and saves nothing): viewing segments suffices."""

    perms_map = dict.fromkeys(("GET", "HEAD", "OPTIONS", "POST"), _VIEW)


class SegmentRefreshPermission(SegmentPermission):
    """Refreshing writes the segment's history: managers only."""

    perms_map = {**ModelRolePermission.perms_map, "POST": _CHANGE}
