"""The date window of a run or a dashboard: inclusive local dates turned into UTC instants."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def analytics_zone() -> ZoneInfo:
    return ZoneInfo(settings.ANALYTICS_TIME_ZONE)


def analytics_today() -> date:
    """Today's date where the analytics day boundaries are."""
    return timezone.now().astimezone(analytics_zone()).date()


def local_midnight(day: date) -> datetime:
    """The instant a local day starts in ``ANALYTICS_TIME_ZONE``."""
    return datetime.combine(day, time.min, tzinfo=analytics_zone())


@dataclass(frozen=True)
class DateWindow:
    """Days ``start_date`` to ``end_date`` inclusive; ``None`` leaves that side open."""

    start_date: date | None
    end_date: date | None

    @property
    def starts_at(self) -> datetime | None:
        return local_midnight(self.start_date) if self.start_date else None

    @property
    def ends_before(self) -> datetime | None:
        return local_midnight(self.end_date + timedelta(days=1)) if self.end_date else None
