"""Quiet hours for promotional SMS: Indian rules allow `MKT` SMS only in daytime, and Kaleyra rejects
or delays them otherwise. The hours apply in each recipient's own time zone (India's for +91), to the
countries configured; they are checked before confirmation and again at hand-off.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_zones

from bot.core.refusals import Reason, Refusal
from bot.core.validation import ScheduleRequest

PROMOTIONAL = "MKT"


def parse_hours(text: str) -> tuple[time, time]:
    """'09:00-21:00' -> (09:00, 21:00); raises ValueError with a reason."""
    start, sep, end = text.replace("–", "-").partition("-")
    if not sep:
        raise ValueError("write the hours as HH:MM-HH:MM, e.g. 09:00-21:00")
    first, last = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    if first == last:
        raise ValueError("the start and end of the hours must differ")
    return first, last


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    countries: Collection[str]

    def refusal(self, request: ScheduleRequest, at: datetime) -> Refusal | None:
        """Why `request` may not go out at `at`, naming the next allowed time; None if it may. A request
        sent per zone ("9am their time") is checked per zone, each at its own time."""
        for _, send_at, numbers in request.parts:
            if refusal := self.refusal(replace(request, recipients=numbers, parts=()), send_at):
                return refusal
        if request.parts:
            return None
        affected, zones = self._places(request)
        if all(self._open(at, zone) for zone in zones):
            return None
        allowed = self._next_allowed(zones, at)
        local, next_local = at.astimezone(zones[0]), allowed.astimezone(zones[0])
        return Refusal(
            Reason.QUIET_HOURS,
            f"Promotional (MKT) SMS to {', '.join(sorted(affected))} may go out only "
            f"{self.start:%H:%M}-{self.end:%H:%M} in the recipient's time; {local:%a %d %b %H:%M} {local.tzname()} "
            f"is outside. The next allowed time is {next_local:%a %d %b %H:%M} {next_local.tzname()}.",
        )

    def next_allowed(self, request: ScheduleRequest, at: datetime) -> datetime:
        """The earliest instant from `at` on when every affected recipient is inside the hours."""
        return self._next_allowed(self._places(request)[1], at)

    def _next_allowed(self, zones: list[ZoneInfo], at: datetime) -> datetime:
        candidates = [at] + [
            datetime.combine(at.astimezone(zone).date() + timedelta(days=day), self.start, zone)
            for zone in zones
            for day in range(3)
        ]
        return min(c for c in candidates if c >= at and all(self._open(c, zone) for zone in zones))

    def _open(self, at: datetime, zone: ZoneInfo) -> bool:
        local = at.astimezone(zone).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # hours across midnight

    def _places(self, request: ScheduleRequest) -> tuple[set[str], list[ZoneInfo]]:
        """The regions the hours apply to among the recipients, and those recipients' zones; each number
        read once (reading one costs more than the rest of the check)."""
        if request.route != PROMOTIONAL or not self.countries:  # most requests: no number needs reading
            return set(), []
        regions: set[str] = set()
        names: set[str] = set()
        for number in request.recipients:
            parsed = phonenumbers.parse(number)
            region = phonenumbers.region_code_for_number(parsed)
            if region is not None and region in self.countries:
                regions.add(region)
                names.add(phone_zones.time_zones_for_number(parsed)[0])
        return regions, [ZoneInfo(name) for name in sorted(names)]
