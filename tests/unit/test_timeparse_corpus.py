"""A corpus of phrases as people type them in Slack, each with the instant a person means.

Every expected instant was worked out by hand from the rules in `timeparse-cases.md` and the README
(wall clock in the user's zone with that date's offset, next occurrence, day-first numeric dates
outside the Americas, refusal of the impossible). Blocks start with `## <locale> <zone> <now>`;
each line is `phrase | expected instant` (ISO 8601 with offset) or `phrase | refused`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from bot.core.timeparse import TimeParseError, parse_when

ENGLISH = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
tmrw 5pm | 2026-11-26T17:00:00+05:30
Tmrw 5 PM | 2026-11-26T17:00:00+05:30
tomorrow @ 5pm | 2026-11-26T17:00:00+05:30
tomorrow at 5:00 p.m. | 2026-11-26T17:00:00+05:30
tomorrow, 5pm | 2026-11-26T17:00:00+05:30
5pm tomorrow | 2026-11-26T17:00:00+05:30
5 pm tmr | 2026-11-26T17:00:00+05:30
tomorrow 17:00 | 2026-11-26T17:00:00+05:30
tomorrow at 17h | 2026-11-26T17:00:00+05:30
TOMORROW 5PM | 2026-11-26T17:00:00+05:30
tomorrow  at   5pm | 2026-11-26T17:00:00+05:30
tomorrow 5pm. | 2026-11-26T17:00:00+05:30
tomorrow 5pm! | 2026-11-26T17:00:00+05:30
tomorrow evening at 7 | 2026-11-26T19:00:00+05:30
tomorrow morning 8:30 | 2026-11-26T08:30:00+05:30
tomorrow at 9 in the morning | 2026-11-26T09:00:00+05:30
tomorrow 9 am sharp | 2026-11-26T09:00:00+05:30
tomorrow at noon | 2026-11-26T12:00:00+05:30
noon tmrw | 2026-11-26T12:00:00+05:30
the day after tomorrow at 10 | 2026-11-27T10:00:00+05:30
day after tmrw 10am | 2026-11-27T10:00:00+05:30
thu 3pm | 2026-11-26T15:00:00+05:30
Thu. 3pm | 2026-11-26T15:00:00+05:30
thurs 3 pm | 2026-11-26T15:00:00+05:30
on thursday at 3 pm | 2026-11-26T15:00:00+05:30
this thursday 3pm | 2026-11-26T15:00:00+05:30
thursday @ 15:00 | 2026-11-26T15:00:00+05:30
wed 9am | 2026-12-02T09:00:00+05:30
wednesday 10am | 2026-11-25T10:00:00+05:30
next wednesday 10am | 2026-12-02T10:00:00+05:30
sat 10am | 2026-11-28T10:00:00+05:30
saturday morning at 10 | 2026-11-28T10:00:00+05:30
sunday at 6pm | 2026-11-29T18:00:00+05:30
Friday @ 4:45pm | 2026-11-27T16:45:00+05:30
FRIDAY 4PM | 2026-11-27T16:00:00+05:30
fri 4 pm | 2026-11-27T16:00:00+05:30
friday at 16:45 | 2026-11-27T16:45:00+05:30
monday next week 10am | 2026-11-30T10:00:00+05:30
next week monday at 10 | 2026-11-30T10:00:00+05:30
next week tuesday 3pm | 2026-12-01T15:00:00+05:30
in 2 hrs | 2026-11-25T11:10:00+05:30
in 2hrs | 2026-11-25T11:10:00+05:30
in 2h | 2026-11-25T11:10:00+05:30
in 45 mins | 2026-11-25T09:55:00+05:30
in 45min | 2026-11-25T09:55:00+05:30
in 90 minutes | 2026-11-25T10:40:00+05:30
in 1 hr 30 min | 2026-11-25T10:40:00+05:30
in 1.5 hours | 2026-11-25T10:40:00+05:30
in an hour and a half | 2026-11-25T10:40:00+05:30
in half an hour | 2026-11-25T09:40:00+05:30
in a couple of hours | 2026-11-25T11:10:00+05:30
2 hours from now | 2026-11-25T11:10:00+05:30
an hour from now | 2026-11-25T10:10:00+05:30
in 3 days | 2026-11-28T09:10:00+05:30
in 2 weeks | 2026-12-09T09:10:00+05:30
in 1 month | 2026-12-25T09:10:00+05:30
in 3 days at 10am | 2026-11-28T10:00:00+05:30
in 2 weeks at 9 | 2026-12-09T09:00:00+05:30
a week from tomorrow at 9am | refused
noon | 2026-11-25T12:00:00+05:30
midnight | 2026-11-26T00:00:00+05:30
eod | 2026-11-25T17:00:00+05:30
end of day tomorrow | 2026-11-26T17:00:00+05:30
first thing tomorrow | 2026-11-26T09:00:00+05:30
at 3 | 2026-11-25T15:00:00+05:30
3:30 | 2026-11-25T15:30:00+05:30
9:30 | 2026-11-25T09:30:00+05:30
at 10 | 2026-11-25T10:00:00+05:30
half past 4 | 2026-11-25T16:30:00+05:30
quarter to 6 tomorrow | 2026-11-26T17:45:00+05:30
4ish | 2026-11-25T16:00:00+05:30
around 4pm tomorrow | 2026-11-26T16:00:00+05:30
tonight at 8 | 2026-11-25T20:00:00+05:30
tonight 8:30pm | 2026-11-25T20:30:00+05:30
this evening 7:30 | 2026-11-25T19:30:00+05:30
this afternoon at 2 | 2026-11-25T14:00:00+05:30
3rd of December at 2pm | 2026-12-03T14:00:00+05:30
December 3rd 2pm | 2026-12-03T14:00:00+05:30
Dec 3rd, 2pm | 2026-12-03T14:00:00+05:30
dec 3 @ 2pm | 2026-12-03T14:00:00+05:30
3 Dec 2026 14:30 | 2026-12-03T14:30:00+05:30
3 Dec 2026 at 2:30pm | 2026-12-03T14:30:00+05:30
Thursday, December 3 at 2pm | 2026-12-03T14:00:00+05:30
on the 3rd of december at 14:30 | 2026-12-03T14:30:00+05:30
1st December 9am | 2026-12-01T09:00:00+05:30
Dec 1st at 9 | 2026-12-01T09:00:00+05:30
december 1 9:00am | 2026-12-01T09:00:00+05:30
the 1st at 10am | 2026-12-01T10:00:00+05:30
on the 30th at 3pm | 2026-11-30T15:00:00+05:30
next month on the 1st at 10 | 2026-12-01T10:00:00+05:30
12/3 2pm | 2027-03-12T14:00:00+05:30
25/12 10am | 2026-12-25T10:00:00+05:30
25/12/2026 10:00 | 2026-12-25T10:00:00+05:30
2026-12-03 14:30 | 2026-12-03T14:30:00+05:30
2026-12-03T14:30 | 2026-12-03T14:30:00+05:30
2026-12-03T14:30:00Z | 2026-12-03T14:30:00+00:00
2026-12-03T14:30:00+01:00 | 2026-12-03T14:30:00+01:00
2026-12-03 14:30 +0100 | 2026-12-03T14:30:00+01:00
2026-12-03 14:30 UTC | 2026-12-03T14:30:00+00:00
5pm PST | 2026-11-25T17:00:00-08:00
5pm EST | 2026-11-25T17:00:00-05:00
9am CET tomorrow | 2026-11-26T09:00:00+01:00
tomorrow 9am GMT+1 | 2026-11-26T09:00:00+01:00
tomorrow 9am UTC+05:30 | 2026-11-26T09:00:00+05:30
tomorrow 10:00 BST | 2026-11-26T10:00:00+01:00
tomorrow 10am (IST) | 2026-11-26T10:00:00+05:30
tomorrow 10am GMT | 2026-11-26T10:00:00+00:00
xmas at 6 pm | 2026-12-25T18:00:00+05:30
tonight | refused
tomorrow afternoon | refused
next week | refused
this weekend | refused
31 feb 10am | refused
feb 30 at 9 | refused
25:00 | refused
13pm | refused
yesterday 5pm | refused
31/11 9am | refused

at 12 noon | 2026-11-25T12:00:00+05:30
12 noon tomorrow | 2026-11-26T12:00:00+05:30
12 midnight | 2026-11-26T00:00:00+05:30
tomorrow 12 midnight | 2026-11-27T00:00:00+05:30
12:00 noon friday | 2026-11-27T12:00:00+05:30
tonite at 9 | 2026-11-25T21:00:00+05:30
2moro 5pm | 2026-11-26T17:00:00+05:30
tommorow 5pm | 2026-11-26T17:00:00+05:30
tomorow at 5 pm | 2026-11-26T17:00:00+05:30
noonish | 2026-11-25T12:00:00+05:30
tomorrow 10am India time | 2026-11-26T10:00:00+05:30
tomorrow 10am uk time | 2026-11-26T10:00:00+00:00
at 5.10pm | 2026-11-25T17:10:00+05:30
5.30 | 2026-11-25T17:30:00+05:30
in 2 hours time | 2026-11-25T11:10:00+05:30
half an hour from now | 2026-11-25T09:40:00+05:30
Sept 3 10am | 2027-09-03T10:00:00+05:30
3 sept 10am | 2027-09-03T10:00:00+05:30
the 31st at 10 | 2026-12-31T10:00:00+05:30
friday the 4th 10am | 2026-12-04T10:00:00+05:30
friday 13th 10am | refused
2026-13-01 10:00 | refused
3 dec 2025 10am | refused
at 5 tomorrow morning | 2026-11-26T05:00:00+05:30
9pm tmrw night | 2026-11-26T21:00:00+05:30
the day after tomorrow evening at 8 | 2026-11-27T20:00:00+05:30
Thursday next week 10am | 2026-12-03T10:00:00+05:30
tomorrow 10:00:00 | 2026-11-26T10:00:00+05:30
10:30:45 tomorrow | 2026-11-26T10:30:45+05:30
thursday after next 10am | refused
15 mins | 2026-11-25T09:25:00+05:30
15 minutes | 2026-11-25T09:25:00+05:30
2 hours | 2026-11-25T11:10:00+05:30
+2h | 2026-11-25T11:10:00+05:30
+30m | 2026-11-25T09:40:00+05:30
now + 2 hours | 2026-11-25T11:10:00+05:30
in 1 1/2 hours | 2026-11-25T10:40:00+05:30
in 1½ hours | 2026-11-25T10:40:00+05:30
in 2 hrs 30 mins | 2026-11-25T11:40:00+05:30
in 2.5 hrs | 2026-11-25T11:40:00+05:30
in forty-five minutes | 2026-11-25T09:55:00+05:30
twenty minutes from now | 2026-11-25T09:30:00+05:30
in a half hour | 2026-11-25T09:40:00+05:30
3 hours later | 2026-11-25T12:10:00+05:30
2h | refused
16h | 2026-11-25T16:00:00+05:30
02h | 2026-11-26T02:00:00+05:30
within 2 hours | refused
in an hour or so | refused
same time tomorrow | 2026-11-26T09:10:00+05:30
this time tomorrow | 2026-11-26T09:10:00+05:30
tomorrow at this time | 2026-11-26T09:10:00+05:30
same time | refused
Tuesday, 1 December 2026 at 10:00 | 2026-12-01T10:00:00+05:30
10am, Dec 1 | 2026-12-01T10:00:00+05:30
Tue 1st Dec 10am | 2026-12-01T10:00:00+05:30
1/12/2026 10:00 | 2026-12-01T10:00:00+05:30
2026.12.01 10:00 | 2026-12-01T10:00:00+05:30
10:00 1/12 | 2026-12-01T10:00:00+05:30
## en Asia/Kolkata 2026-11-25T20:00:00+05:30
tomorrow at 12 | 2026-11-26T12:00:00+05:30
tomorrow at 12:30 | 2026-11-26T12:30:00+05:30
tomorrow at 5:00 | 2026-11-26T17:00:00+05:30
tomorrow at 05:00 | 2026-11-26T05:00:00+05:30
tomorrow 5 o'clock | 2026-11-26T17:00:00+05:30
3 in the morning tomorrow | 2026-11-26T03:00:00+05:30
tomorrow at 3am | 2026-11-26T03:00:00+05:30
tomorrow at 5 in the afternoon | 2026-11-26T17:00:00+05:30
tonight at 10:30 | 2026-11-25T22:30:00+05:30
tonight at 1 | refused
at 7 tonight | refused
9pm tonight | 2026-11-25T21:00:00+05:30
tonight 11 | 2026-11-25T23:00:00+05:30
5pm today | refused
today 5pm | refused
this morning at 11 | refused
00:30 | 2026-11-26T00:30:00+05:30
00:00 | 2026-11-26T00:00:00+05:30
23:59 | 2026-11-25T23:59:00+05:30
at 9 | 2026-11-26T09:00:00+05:30
2pm Dec 3 | 2026-12-03T14:00:00+05:30
2pm on the 3rd | 2026-12-03T14:00:00+05:30
December the 3rd at 2pm | 2026-12-03T14:00:00+05:30
3rd Dec @ 14:30 | 2026-12-03T14:30:00+05:30
Wed Dec 2 10am | 2026-12-02T10:00:00+05:30
Thu 3 Dec 10:00 | 2026-12-03T10:00:00+05:30
10am Thursday | 2026-11-26T10:00:00+05:30
thursday at 10 in the morning | 2026-11-26T10:00:00+05:30
Monday at 9:00 AM | 2026-11-30T09:00:00+05:30
mon @ 9am | 2026-11-30T09:00:00+05:30
Monday morning | refused
on 12/03 at 9am | 2027-03-12T09:00:00+05:30
12.03. 9am | 2027-03-12T09:00:00+05:30
12-03-2027 09:00 | 2027-03-12T09:00:00+05:30
3 Dec | refused
Dec 3 2026 2pm | 2026-12-03T14:00:00+05:30
tomorrow at 10:30am IST | 2026-11-26T10:30:00+05:30
tomorrow 9 PM EST | 2026-11-26T21:00:00-05:00
tomorrow 9pm ET | 2026-11-26T21:00:00-05:00
tomorrow 9pm PDT | 2026-11-26T21:00:00-07:00
tomorrow 9pm UTC-3 | 2026-11-26T21:00:00-03:00
tomorrow 9pm GMT-5 | 2026-11-26T21:00:00-05:00
tomorrow 9pm utc | 2026-11-26T21:00:00+00:00
tomorrow 9pm Z | 2026-11-26T21:00:00+00:00
tomorrow 10:00 America/New_York | 2026-11-26T10:00:00-05:00
2026-12-03T14:30:00.000Z | 2026-12-03T14:30:00+00:00
2026-12-03 14:30:00 | 2026-12-03T14:30:00+05:30
2026-12-03T14:30:00+0530 | 2026-12-03T14:30:00+05:30
2026-12-03T09:00:00-05:00 | 2026-12-03T09:00:00-05:00
in 1 week at 10am | 2026-12-02T10:00:00+05:30
in a week | 2026-12-02T20:00:00+05:30
in 2 months | 2027-01-25T20:00:00+05:30
in 10 days time | 2026-12-05T20:00:00+05:30
in 3d | 2026-11-28T20:00:00+05:30
2h from now | 2026-11-25T22:00:00+05:30
30 min from now | 2026-11-25T20:30:00+05:30
90 mins later | 2026-11-25T21:30:00+05:30
in 5 minutes | 2026-11-25T20:05:00+05:30
in 1 minute | 2026-11-25T20:01:00+05:30
in a minute | 2026-11-25T20:01:00+05:30
in 30 seconds | 2026-11-25T20:00:30+05:30
in 2 hours and 15 minutes | 2026-11-25T22:15:00+05:30
in 2 hours 15 minutes | 2026-11-25T22:15:00+05:30
in 2h15m | 2026-11-25T22:15:00+05:30
in 2h 15m | 2026-11-25T22:15:00+05:30
in 2:30 hours | refused
in 1 year | refused
next weekend | refused
end of the week | refused
in 2 hours at 5pm | refused
5pm and 6pm | refused
tomorrow or friday 5pm | refused
-1 hours | refused
in -2 hours | refused
in 0 minutes | refused
yesterday | refused
last friday 5pm | refused
asdf | refused
5 | refused

## en Europe/Rome 2026-11-25T09:10:00+01:00
3 Dec at 14:30 IST | 2026-12-03T14:30:00+05:30
tomorrow 9am ET | 2026-11-26T09:00:00-05:00
tomorrow 5pm | 2026-11-26T17:00:00+01:00
12/3 at 5pm | 2027-03-12T17:00:00+01:00
2027-03-28 09:00 | 2027-03-28T09:00:00+02:00

## en America/New_York 2026-11-25T09:10:00-05:00
end of the month 10am | 2026-11-30T10:00:00-05:00
end of month at 10am | 2026-11-30T10:00:00-05:00
last day of the month at 10am | 2026-11-30T10:00:00-05:00
on the last day of this month at 9 | 2026-11-30T09:00:00-05:00
end of the month | refused
this weekend at 10am | refused
next weekend | refused
end of the week at 5pm | refused
tomorrow at 12am | 2026-11-26T00:00:00-05:00
12pm | 2026-11-25T12:00:00-05:00
noon tomorrow PST | 2026-11-26T12:00:00-08:00
tomorrow 5pm eastern | 2026-11-26T17:00:00-05:00
tomorrow 5pm Eastern Time | 2026-11-26T17:00:00-05:00
tomorrow 5pm pacific time | 2026-11-26T17:00:00-08:00
5pm central time | 2026-11-25T17:00:00-06:00
tomorrow 5pm CST | 2026-11-26T17:00:00-06:00
tomorrow morn 9 | 2026-11-26T09:00:00-05:00
9 o clock tomorrow | 2026-11-26T09:00:00-05:00
tomorrow 9 oclock | 2026-11-26T09:00:00-05:00
mid-day tomorrow | 2026-11-26T12:00:00-05:00
tomorrow at 9.30 | 2026-11-26T09:30:00-05:00
tomorrow 9.30am | 2026-11-26T09:30:00-05:00
9:30pm tonight | 2026-11-25T21:30:00-05:00
this coming friday 5pm | 2026-11-27T17:00:00-05:00
this fri 5pm | 2026-11-27T17:00:00-05:00
friday the 27th at 5pm | 2026-11-27T17:00:00-05:00
fri 27th 5pm | 2026-11-27T17:00:00-05:00
27th nov 5pm | 2026-11-27T17:00:00-05:00
nov 27th @ 5pm | 2026-11-27T17:00:00-05:00
Nov. 27 5pm | 2026-11-27T17:00:00-05:00
Nov 27, 2026 at 5:00 PM | 2026-11-27T17:00:00-05:00
11/27/2026 5:00 PM | 2026-11-27T17:00:00-05:00
Friday, November 27th at 5pm EST | 2026-11-27T17:00:00-05:00
at 5 pm on thursday the 26th | 2026-11-26T17:00:00-05:00
thursday the 27th at 5pm | refused
in 1 hour, 30 minutes | 2026-11-25T10:40:00-05:00
an hour later | 2026-11-25T10:10:00-05:00
in an hr | 2026-11-25T10:10:00-05:00
in 2 days at noon | 2026-11-27T12:00:00-05:00
2 days from today at 3pm | 2026-11-27T15:00:00-05:00
tomorrow at 9 A.M. | 2026-11-26T09:00:00-05:00
tomorrow 0900 hrs | 2026-11-26T09:00:00-05:00
wed 12/2 10am | 2026-12-02T10:00:00-05:00
12/2/26 10am | 2026-12-02T10:00:00-05:00
dec2 10am | 2026-12-02T10:00:00-05:00
tomorrow night at 11 | 2026-11-26T23:00:00-05:00
tomorrow night at 1 | refused
tomorrow at midnight | 2026-11-27T00:00:00-05:00
friday midnight | 2026-11-28T00:00:00-05:00
tomorrow 9-10am | refused
3pm - 4pm | refused

## en America/Sao_Paulo 2026-11-25T09:10:00-03:00
12/3 2pm | 2027-03-12T14:00:00-03:00
5/12 at 10am | 2026-12-05T10:00:00-03:00
tomorrow 5pm | 2026-11-26T17:00:00-03:00

## en America/Mexico_City 2026-11-25T09:10:00-06:00
3/12 10am | 2026-12-03T10:00:00-06:00

## en America/Los_Angeles 2026-11-25T09:10:00-08:00
12/3 2pm | 2026-12-03T14:00:00-08:00
12/03/2026 2pm | 2026-12-03T14:00:00-08:00
4/1 9am | 2027-04-01T09:00:00-07:00

## en America/New_York 2026-11-30T23:50:00-05:00
tomorrow 9am | 2026-12-01T09:00:00-05:00
in 15 minutes | 2026-12-01T00:05:00-05:00
in 15 mins | 2026-12-01T00:05:00-05:00
tonight at 11:55 | 2026-11-30T23:55:00-05:00
11:55pm | 2026-11-30T23:55:00-05:00
11:45pm | 2026-12-01T23:45:00-05:00
midnight | 2026-12-01T00:00:00-05:00
tonight at 12 | 2026-12-01T00:00:00-05:00
12/3 9am | 2026-12-03T09:00:00-05:00
3/12 9am | 2027-03-12T09:00:00-05:00
3/15 9am | 2027-03-15T09:00:00-04:00
the 1st at 9am | 2026-12-01T09:00:00-05:00
8am | 2026-12-01T08:00:00-05:00
monday 9am | 2026-12-07T09:00:00-05:00
next monday 9am | 2026-12-07T09:00:00-05:00
tuesday 9am | 2026-12-01T09:00:00-05:00
1pm ET | 2026-12-01T13:00:00-05:00
1pm PT | 2026-12-01T13:00:00-08:00
in 1 month | 2026-12-30T23:50:00-05:00
jan 1 at noon | 2027-01-01T12:00:00-05:00
new year's day 10am | 2027-01-01T10:00:00-05:00
eod tomorrow | 2026-12-01T17:00:00-05:00
dec 1 9am | 2026-12-01T09:00:00-05:00
nov 30 9am | refused

## en Europe/Rome 2026-12-31T22:00:00+01:00
tomorrow 9am | 2027-01-01T09:00:00+01:00
jan 2 10am | 2027-01-02T10:00:00+01:00
dec 31 11pm | 2026-12-31T23:00:00+01:00
dec 30 10am | 2027-12-30T10:00:00+01:00
friday 9 | 2027-01-01T09:00:00+01:00
midnight | 2027-01-01T00:00:00+01:00
in 3 hours | 2027-01-01T01:00:00+01:00
2/1 9am | 2027-01-02T09:00:00+01:00
monday 8am | 2027-01-04T08:00:00+01:00
new year's eve 23:00 | 2026-12-31T23:00:00+01:00
march 28 02:30 | 2027-03-28T03:30:00+02:00

## en Europe/Rome 2027-03-27T10:00:00+01:00
tomorrow 9am | 2027-03-28T09:00:00+02:00
in 24 hours | 2027-03-28T11:00:00+02:00
sunday 10am | 2027-03-28T10:00:00+02:00
monday 9:00 | 2027-03-29T09:00:00+02:00
tomorrow 2:30am | 2027-03-28T03:30:00+02:00
tonight at 11 | 2027-03-27T23:00:00+01:00

## en America/New_York 2027-03-13T10:00:00-05:00
tomorrow 10am | 2027-03-14T10:00:00-04:00
tomorrow 2:30am | 2027-03-14T03:30:00-04:00
in 24 hours | 2027-03-14T11:00:00-04:00
sunday at noon | 2027-03-14T12:00:00-04:00

## en Europe/Berlin 2026-10-24T10:00:00+02:00
tomorrow 2:30am | 2026-10-25T02:30:00+02:00
tomorrow 9am | 2026-10-25T09:00:00+01:00
in 24 hours | 2026-10-25T09:00:00+01:00

## en Australia/Sydney 2026-10-03T10:00:00+10:00
tomorrow 9am | 2026-10-04T09:00:00+11:00
tomorrow 2:30am | 2026-10-04T03:30:00+11:00
in 2 hours | 2026-10-03T12:00:00+10:00
## en Australia/Sydney 2026-11-25T09:10:00+11:00
9am AEST | 2026-11-25T09:00:00+10:00
tomorrow 9am AEDT | 2026-11-26T09:00:00+11:00
9am ACST | 2026-11-25T09:00:00+09:30
tomorrow 9am nzdt | 2026-11-26T09:00:00+13:00
tomorrow 9am | 2026-11-26T09:00:00+11:00
tomorrow 9am PT | refused
friday 9am PT | 2026-11-27T09:00:00-08:00
9am PT | 2026-11-25T09:00:00-08:00

## en America/New_York 2027-06-10T09:10:00-04:00
5pm PST | 2027-06-10T17:00:00-08:00
5pm PT | 2027-06-10T17:00:00-07:00
5pm ET | 2027-06-10T17:00:00-04:00
5pm EST | 2027-06-10T17:00:00-05:00
9am BST | 2027-06-11T09:00:00+01:00
9am CEST | 2027-06-11T09:00:00+02:00
9am MSK | 2027-06-11T09:00:00+03:00
9am HKT | 2027-06-11T09:00:00+08:00
"""

ITALIAN = """
## it-IT Europe/Rome 2026-11-25T09:10:00+01:00
domani alle 17 | 2026-11-26T17:00:00+01:00
Domani alle 17:00 | 2026-11-26T17:00:00+01:00
domani alle ore 17 | 2026-11-26T17:00:00+01:00
domani ore 17 | 2026-11-26T17:00:00+01:00
domani alle 17.30 | 2026-11-26T17:30:00+01:00
domani alle 5 del pomeriggio | 2026-11-26T17:00:00+01:00
domani pomeriggio alle 5 | 2026-11-26T17:00:00+01:00
domani mattina alle 9 | 2026-11-26T09:00:00+01:00
domani alle 9 di mattina | 2026-11-26T09:00:00+01:00
domani verso le 17 | 2026-11-26T17:00:00+01:00
domani a mezzogiorno | 2026-11-26T12:00:00+01:00
dopodomani alle 9:30 | 2026-11-27T09:30:00+01:00
dopo domani alle 9 e mezza | 2026-11-27T09:30:00+01:00
lunedì prossimo alle 10 | 2026-11-30T10:00:00+01:00
lunedi alle 10 | 2026-11-30T10:00:00+01:00
il prossimo lunedì alle 10 | 2026-11-30T10:00:00+01:00
venerdì alle 15 | 2026-11-27T15:00:00+01:00
sabato mattina alle 10 | 2026-11-28T10:00:00+01:00
domenica alle 18 | 2026-11-29T18:00:00+01:00
mercoledì alle 8 | 2026-12-02T08:00:00+01:00
martedì prossimo alle 9 | 2026-12-01T09:00:00+01:00
tra 2 ore | 2026-11-25T11:10:00+01:00
fra 30 minuti | 2026-11-25T09:40:00+01:00
tra 10 min | 2026-11-25T09:20:00+01:00
tra mezz'ora | 2026-11-25T09:40:00+01:00
tra un'ora | 2026-11-25T10:10:00+01:00
tra un'ora e mezza | 2026-11-25T10:40:00+01:00
tra 3 giorni alle 10 | 2026-11-28T10:00:00+01:00
tra una settimana | 2026-12-02T09:10:00+01:00
stasera alle 21 | 2026-11-25T21:00:00+01:00
stasera alle 9 | 2026-11-25T21:00:00+01:00
stasera alle 21:30 | 2026-11-25T21:30:00+01:00
oggi alle 18 | 2026-11-25T18:00:00+01:00
oggi pomeriggio alle 3 | 2026-11-25T15:00:00+01:00
alle 17 | 2026-11-25T17:00:00+01:00
a mezzogiorno | 2026-11-25T12:00:00+01:00
mezzanotte | 2026-11-26T00:00:00+01:00
il 3 dicembre alle 14:30 | 2026-12-03T14:30:00+01:00
3 dicembre alle 14:30 | 2026-12-03T14:30:00+01:00
3 dic alle 14:30 | 2026-12-03T14:30:00+01:00
il 3 dicembre 2026 alle 14:30 | 2026-12-03T14:30:00+01:00
il 3/12 alle 14:30 | 2026-12-03T14:30:00+01:00
giovedì 3 dicembre alle 10 | 2026-12-03T10:00:00+01:00
lunedì 30 novembre ore 10 | 2026-11-30T10:00:00+01:00
31 febbraio alle 10 | refused
alle 25 | refused
domani | refused
domani alle 17 e 30 | 2026-11-26T17:30:00+01:00
tra 2 ore e 30 minuti | 2026-11-25T11:40:00+01:00
tra un paio d'ore | 2026-11-25T11:10:00+01:00
tra 1 ora | 2026-11-25T10:10:00+01:00
tra due ore | 2026-11-25T11:10:00+01:00
tra 1,5 ore | 2026-11-25T10:40:00+01:00
tra 2 giorni | 2026-11-27T09:10:00+01:00
domani alle 9 di sera | 2026-11-26T21:00:00+01:00
domani sera alle 9 | 2026-11-26T21:00:00+01:00
stanotte alle 23 | 2026-11-25T23:00:00+01:00
questa sera alle 8 | 2026-11-25T20:00:00+01:00
oggi alle 21 | 2026-11-25T21:00:00+01:00
ore 17 domani | 2026-11-26T17:00:00+01:00
alle 17 di domani | 2026-11-26T17:00:00+01:00
alle 4 del mattino | 2026-11-26T04:00:00+01:00
mercoledì prossimo alle 10 | 2026-12-02T10:00:00+01:00
il 25 dicembre alle 10 | 2026-12-25T10:00:00+01:00
25/12 alle 10 | 2026-12-25T10:00:00+01:00
il primo dicembre alle 9 | 2026-12-01T09:00:00+01:00
1° dicembre alle 9 | 2026-12-01T09:00:00+01:00
venerdì 27 novembre alle 15 | 2026-11-27T15:00:00+01:00
lunedì alle 10:00 | 2026-11-30T10:00:00+01:00
alle due | 2026-11-25T14:00:00+01:00

domani come prima cosa | 2026-11-26T09:00:00+01:00
domani a fine giornata | 2026-11-26T17:00:00+01:00
domani a mezzogiorno e mezza | 2026-11-26T12:30:00+01:00
nel fine settimana | refused
il giorno 3 alle 10 | 2026-12-03T10:00:00+01:00
domattina alle 9 | 2026-11-26T09:00:00+01:00
lunedì mattina alle 9 | 2026-11-30T09:00:00+01:00
alle 9 di lunedì mattina | 2026-11-30T09:00:00+01:00
il 3 alle 10 | 2026-12-03T10:00:00+01:00
alle 17 del 3 dicembre | 2026-12-03T17:00:00+01:00
## it-IT Europe/Rome 2027-03-27T22:30:00+01:00
domani alle 02:30 | 2027-03-28T03:30:00+02:00
domani alle 2:30 | 2027-03-28T14:30:00+02:00
domani alle 9 | 2027-03-28T09:00:00+02:00
stasera alle 23 | 2027-03-27T23:00:00+01:00
stanotte alle 2 | refused
tra 3 ore | 2027-03-28T01:30:00+01:00
tra 24 ore | 2027-03-28T23:30:00+02:00
ven alle 10 | 2027-04-02T10:00:00+02:00
sab alle 10 | 2027-04-03T10:00:00+02:00
dom alle 10 | 2027-03-28T10:00:00+02:00
lun alle 9 | 2027-03-29T09:00:00+02:00
mar alle 9 | refused
gio 1 aprile alle 10 | 2027-04-01T10:00:00+02:00
01/04/2027 ore 10:00 | 2027-04-01T10:00:00+02:00
domenica sera alle 8 | 2027-03-28T20:00:00+02:00
sabato prossimo alle 10 | 2027-04-03T10:00:00+02:00
questo venerdì alle 18 | 2027-04-02T18:00:00+02:00
fine mese alle 10 | 2027-03-31T10:00:00+02:00
a fine mese alle 10 | 2027-03-31T10:00:00+02:00
domani verso mezzogiorno | 2027-03-28T12:00:00+02:00
domani h 18 | 2027-03-28T18:00:00+02:00
domani h18 | 2027-03-28T18:00:00+02:00
tra 1 mese alle 10 | 2027-04-27T10:00:00+02:00
il 28 alle 10 | 2027-03-28T10:00:00+02:00
28 marzo alle 10 | 2027-03-28T10:00:00+02:00
ore 18 | 2027-03-28T18:00:00+02:00
domani alle 17 CET | 2027-03-28T17:00:00+01:00
la prossima settimana | refused
ieri alle 10 | refused
"""

SPANISH = """
## es-ES Europe/Madrid 2026-11-25T09:10:00+01:00
mañana a las 5 de la tarde | 2026-11-26T17:00:00+01:00
mañana a las 17 | 2026-11-26T17:00:00+01:00
mañana a las 17:00 | 2026-11-26T17:00:00+01:00
manana a las 17:00 | 2026-11-26T17:00:00+01:00
mañana por la mañana a las 9 | 2026-11-26T09:00:00+01:00
mañana a las 9 de la mañana | 2026-11-26T09:00:00+01:00
mañana a las 10 y media | 2026-11-26T10:30:00+01:00
mañana sobre las 5 de la tarde | 2026-11-26T17:00:00+01:00
pasado mañana a las 9 | 2026-11-27T09:00:00+01:00
el lunes a las 10 | 2026-11-30T10:00:00+01:00
el próximo lunes a las 10 | 2026-11-30T10:00:00+01:00
el lunes que viene a las 10 | 2026-11-30T10:00:00+01:00
el viernes a las 9 de la mañana | 2026-11-27T09:00:00+01:00
el sábado a mediodía | 2026-11-28T12:00:00+01:00
el miércoles a las 8 | 2026-12-02T08:00:00+01:00
dentro de 2 horas | 2026-11-25T11:10:00+01:00
en 2 horas | 2026-11-25T11:10:00+01:00
en media hora | 2026-11-25T09:40:00+01:00
dentro de una hora | 2026-11-25T10:10:00+01:00
en 15 minutos | 2026-11-25T09:25:00+01:00
en 3 días a las 10 | 2026-11-28T10:00:00+01:00
esta noche a las 9 | 2026-11-25T21:00:00+01:00
esta noche a las 21:30 | 2026-11-25T21:30:00+01:00
esta tarde a las 5 | 2026-11-25T17:00:00+01:00
hoy a las 18 | 2026-11-25T18:00:00+01:00
a las 9 de la noche | 2026-11-25T21:00:00+01:00
a medianoche | 2026-11-26T00:00:00+01:00
el 3 de diciembre a las 14:30 | 2026-12-03T14:30:00+01:00
3 de diciembre a las 14:30 | 2026-12-03T14:30:00+01:00
3 dic a las 14:30 | 2026-12-03T14:30:00+01:00
el 3/12 a las 14:30 | 2026-12-03T14:30:00+01:00
el 31 de febrero a las 10 | refused
mañana | refused
mañana a la 1 de la tarde | 2026-11-26T13:00:00+01:00
mañana a las 5 y cuarto de la tarde | 2026-11-26T17:15:00+01:00
el martes que viene a las 9 | 2026-12-01T09:00:00+01:00
el 25 de diciembre a las 10 | 2026-12-25T10:00:00+01:00
el 1 de diciembre a las 9 | 2026-12-01T09:00:00+01:00
el primero de diciembre a las 9 | 2026-12-01T09:00:00+01:00
mañana 17:30 | 2026-11-26T17:30:00+01:00
mañana a las 17.30 | 2026-11-26T17:30:00+01:00
dentro de 2 horas y media | 2026-11-25T11:40:00+01:00
en un par de horas | 2026-11-25T11:10:00+01:00
en dos horas | 2026-11-25T11:10:00+01:00
en 1,5 horas | 2026-11-25T10:40:00+01:00
en 2 días a las 10 | 2026-11-27T10:00:00+01:00
hoy a las 9 de la noche | 2026-11-25T21:00:00+01:00
esta mañana a las 11 | 2026-11-25T11:00:00+01:00
mañana en la mañana a las 9 | 2026-11-26T09:00:00+01:00
mañana en la tarde a las 4 | 2026-11-26T16:00:00+01:00
el jueves 3 de diciembre a las 10 | 2026-12-03T10:00:00+01:00
a las dos | 2026-11-25T14:00:00+01:00
el vie a las 10 | 2026-11-27T10:00:00+01:00
a fin de mes a las 10 | 2026-11-30T10:00:00+01:00
el lunes a primera hora | 2026-11-30T09:00:00+01:00
mañana a primera hora | 2026-11-26T09:00:00+01:00
el fin de semana a las 10 | refused
mañana al final del día | 2026-11-26T17:00:00+01:00
mañana a las 3 de la madrugada | 2026-11-26T03:00:00+01:00

a las 17 horas | 2026-11-25T17:00:00+01:00
mañana a las 17 hs | 2026-11-26T17:00:00+01:00
el día 3 a las 10 | 2026-12-03T10:00:00+01:00
el lunes por la mañana a las 9 | 2026-11-30T09:00:00+01:00
a las 9 de la mañana del lunes | 2026-11-30T09:00:00+01:00
mañana 5pm | 2026-11-26T17:00:00+01:00
el 3 a las 10 | 2026-12-03T10:00:00+01:00
mañana por la mañana | refused
## es-ES Europe/Madrid 2026-10-24T23:40:00+02:00
mañana a las 02:30 | 2026-10-25T02:30:00+02:00
mañana a las 2:30 | 2026-10-25T14:30:00+01:00
mañana a las 9 | 2026-10-25T09:00:00+01:00
en 2 horas | 2026-10-25T01:40:00+02:00
en 24 horas | 2026-10-25T22:40:00+01:00
esta noche a las 11:50 | 2026-10-24T23:50:00+02:00
esta noche a las 12 | 2026-10-25T00:00:00+02:00
a medianoche | 2026-10-25T00:00:00+02:00
el domingo a las 10 | 2026-10-25T10:00:00+01:00
mañana al mediodía | 2026-10-25T12:00:00+01:00
el 1 de noviembre a las 10 | 2026-11-01T10:00:00+01:00
1/11 a las 10 | 2026-11-01T10:00:00+01:00
01-11-2026 10:00 | 2026-11-01T10:00:00+01:00
hoy a las 23:50 | 2026-10-24T23:50:00+02:00
mañana por la noche a las 10 | 2026-10-25T22:00:00+01:00
mañana a las 10 de la noche | 2026-10-25T22:00:00+01:00
en una semana a las 9 | 2026-10-31T09:00:00+01:00
dentro de 3 días a las 9:30 | 2026-10-27T09:30:00+01:00
dentro de un rato | refused
"""

FRENCH = """
## fr-FR Europe/Paris 2026-11-25T09:10:00+01:00
demain à 17h | 2026-11-26T17:00:00+01:00
demain 17h | 2026-11-26T17:00:00+01:00
demain a 17h | 2026-11-26T17:00:00+01:00
Demain à 17h00 | 2026-11-26T17:00:00+01:00
demain à 17:00 | 2026-11-26T17:00:00+01:00
demain 17 heures | 2026-11-26T17:00:00+01:00
demain à 5h de l'après-midi | 2026-11-26T17:00:00+01:00
demain matin à 8h | 2026-11-26T08:00:00+01:00
demain à 8h du matin | 2026-11-26T08:00:00+01:00
demain vers 17h | 2026-11-26T17:00:00+01:00
après-demain à 9h30 | 2026-11-27T09:30:00+01:00
apres-demain a 9h30 | 2026-11-27T09:30:00+01:00
lundi prochain à 10h | 2026-11-30T10:00:00+01:00
lundi à 10h | 2026-11-30T10:00:00+01:00
mercredi prochain à 10h | 2026-12-02T10:00:00+01:00
vendredi à midi | 2026-11-27T12:00:00+01:00
samedi à 10h30 | 2026-11-28T10:30:00+01:00
dans 2 heures | 2026-11-25T11:10:00+01:00
dans 30 minutes | 2026-11-25T09:40:00+01:00
dans une heure | 2026-11-25T10:10:00+01:00
dans une demi-heure | 2026-11-25T09:40:00+01:00
dans 3 jours à 10h | 2026-11-28T10:00:00+01:00
dans 1h30 | 2026-11-25T10:40:00+01:00
dans 2h | 2026-11-25T11:10:00+01:00
ce soir à 21h | 2026-11-25T21:00:00+01:00
ce soir à 9h | 2026-11-25T21:00:00+01:00
ce matin à 11h | 2026-11-25T11:00:00+01:00
cet après-midi à 15h | 2026-11-25T15:00:00+01:00
à minuit | 2026-11-26T00:00:00+01:00
le 3 décembre à 14h30 | 2026-12-03T14:30:00+01:00
3 décembre 14h30 | 2026-12-03T14:30:00+01:00
le 3 decembre a 14h30 | 2026-12-03T14:30:00+01:00
le 3/12 à 14h30 | 2026-12-03T14:30:00+01:00
jeudi 3 décembre à 10h | 2026-12-03T10:00:00+01:00
le 31 février à 10h | refused
demain | refused
demain à 17h30 | 2026-11-26T17:30:00+01:00
demain à 17 h 30 | 2026-11-26T17:30:00+01:00
demain midi | 2026-11-26T12:00:00+01:00
lundi 30 novembre à 10h | 2026-11-30T10:00:00+01:00
le 1er décembre à 9h | 2026-12-01T09:00:00+01:00
dans 2 jours à 10h | 2026-11-27T10:00:00+01:00
dans 2h30 | 2026-11-25T11:40:00+01:00
dans un quart d'heure | 2026-11-25T09:25:00+01:00
dans une heure et demie | 2026-11-25T10:40:00+01:00
dans deux heures | 2026-11-25T11:10:00+01:00
dans 1,5 heure | 2026-11-25T10:40:00+01:00
ce soir 20h | 2026-11-25T20:00:00+01:00
ce soir à 20h30 | 2026-11-25T20:30:00+01:00
demain soir à 8h | 2026-11-26T20:00:00+01:00
jeudi prochain à 14h | 2026-11-26T14:00:00+01:00
aujourd'hui à 18h | 2026-11-25T18:00:00+01:00
demain à 9 heures du matin | 2026-11-26T09:00:00+01:00
demain après-midi à 3h | 2026-11-26T15:00:00+01:00
mardi à 9h | 2026-12-01T09:00:00+01:00
ven. à 10h | 2026-11-27T10:00:00+01:00
jeu 3 décembre à 10h | 2026-12-03T10:00:00+01:00
à la fin du mois à 10h | 2026-11-30T10:00:00+01:00
demain en fin de journée | 2026-11-26T17:00:00+01:00
demain midi et demi | 2026-11-26T12:30:00+01:00
demain à la première heure | 2026-11-26T09:00:00+01:00
ce week-end à 10h | refused

lundi matin à 9h | 2026-11-30T09:00:00+01:00
à 17h le 3 décembre | 2026-12-03T17:00:00+01:00
le 3 à 10h | 2026-12-03T10:00:00+01:00
## fr-FR Europe/Paris 2026-12-31T23:30:00+01:00
demain à 9h | 2027-01-01T09:00:00+01:00
demain matin 9h | 2027-01-01T09:00:00+01:00
le 2 janvier à 10h | 2027-01-02T10:00:00+01:00
2 janv. à 10h | 2027-01-02T10:00:00+01:00
02/01 à 10h | 2027-01-02T10:00:00+01:00
02/01/2027 10h00 | 2027-01-02T10:00:00+01:00
à minuit | 2027-01-01T00:00:00+01:00
ce soir à 23h45 | 2026-12-31T23:45:00+01:00
dans 15 min | 2026-12-31T23:45:00+01:00
dans 1 h | 2027-01-01T00:30:00+01:00
dans une semaine | 2027-01-07T23:30:00+01:00
vendredi 1er janvier à 10h | 2027-01-01T10:00:00+01:00
lundi à 8 h 30 | 2027-01-04T08:30:00+01:00
jeudi prochain à 9h | 2027-01-07T09:00:00+01:00
dans 3 jours à 14h | 2027-01-03T14:00:00+01:00
ce soir | refused
"""

GERMAN = """
## de-DE Europe/Berlin 2026-11-25T09:10:00+01:00
morgen um 17 Uhr | 2026-11-26T17:00:00+01:00
morgen 17 Uhr | 2026-11-26T17:00:00+01:00
morgen um 17:00 | 2026-11-26T17:00:00+01:00
morgen um 17.00 Uhr | 2026-11-26T17:00:00+01:00
Morgen um 17 Uhr | 2026-11-26T17:00:00+01:00
morgen früh um 8 | 2026-11-26T08:00:00+01:00
morgen Nachmittag um 3 | 2026-11-26T15:00:00+01:00
morgen um viertel nach 3 | 2026-11-26T15:15:00+01:00
morgen gegen 17 Uhr | 2026-11-26T17:00:00+01:00
morgen Mittag | 2026-11-26T12:00:00+01:00
übermorgen um 9:30 | 2026-11-27T09:30:00+01:00
uebermorgen um 9:30 | 2026-11-27T09:30:00+01:00
nächsten Montag um 10 | 2026-11-30T10:00:00+01:00
naechsten Montag um 10 Uhr | 2026-11-30T10:00:00+01:00
am Montag um 10 | 2026-11-30T10:00:00+01:00
Montag um 10 Uhr | 2026-11-30T10:00:00+01:00
Mittwoch um 8 | 2026-12-02T08:00:00+01:00
Samstag 10:30 | 2026-11-28T10:30:00+01:00
Freitag um halb 6 abends | 2026-11-27T17:30:00+01:00
in 2 Stunden | 2026-11-25T11:10:00+01:00
in 30 Minuten | 2026-11-25T09:40:00+01:00
in einer Stunde | 2026-11-25T10:10:00+01:00
in einer halben Stunde | 2026-11-25T09:40:00+01:00
in anderthalb Stunden | 2026-11-25T10:40:00+01:00
in 3 Tagen um 10 Uhr | 2026-11-28T10:00:00+01:00
heute Abend um 21 Uhr | 2026-11-25T21:00:00+01:00
heute Abend um 9 | 2026-11-25T21:00:00+01:00
heute um 18 Uhr | 2026-11-25T18:00:00+01:00
um Mitternacht | 2026-11-26T00:00:00+01:00
am 3. Dezember um 14:30 | 2026-12-03T14:30:00+01:00
3. Dezember 14:30 | 2026-12-03T14:30:00+01:00
am 3.12. um 14:30 | 2026-12-03T14:30:00+01:00
am 03.12.2026 um 14:30 | 2026-12-03T14:30:00+01:00
Donnerstag, 3. Dezember um 10 Uhr | 2026-12-03T10:00:00+01:00
am 31. Februar um 10 | refused
morgen | refused
morgen um 17:30 Uhr | 2026-11-26T17:30:00+01:00
morgen 9 Uhr | 2026-11-26T09:00:00+01:00
Montag früh um 8 | 2026-11-30T08:00:00+01:00
am Freitag um 15 Uhr | 2026-11-27T15:00:00+01:00
am 1. Dezember um 9 Uhr | 2026-12-01T09:00:00+01:00
01.12. 9:00 | 2026-12-01T09:00:00+01:00
1.12.2026 um 9 Uhr | 2026-12-01T09:00:00+01:00
in 2 Tagen | 2026-11-27T09:10:00+01:00
in zwei Stunden | 2026-11-25T11:10:00+01:00
in 1,5 Stunden | 2026-11-25T10:40:00+01:00
in 2 Stunden und 30 Minuten | 2026-11-25T11:40:00+01:00
heute Abend um 8 | 2026-11-25T20:00:00+01:00
heute um 20 Uhr | 2026-11-25T20:00:00+01:00
Dienstag um 9 | 2026-12-01T09:00:00+01:00
kommenden Montag um 10 | 2026-11-30T10:00:00+01:00
um 17 Uhr | 2026-11-25T17:00:00+01:00
morgen Abend um 7 | 2026-11-26T19:00:00+01:00
am Monatsende um 10 | 2026-11-30T10:00:00+01:00
die nächste Woche | refused
in 1 Std. | 2026-11-25T10:10:00+01:00
um dreiviertel 5 morgen | 2026-11-26T16:45:00+01:00
morgen zum Feierabend | 2026-11-26T17:00:00+01:00
morgen als Erstes | 2026-11-26T09:00:00+01:00
am Wochenende um 10 | refused

Montagmorgen um 9 | 2026-11-30T09:00:00+01:00
Freitagabend um 8 | 2026-11-27T20:00:00+01:00
am Montag, 30.11., um 10 Uhr | 2026-11-30T10:00:00+01:00
um 17 Uhr am 3. Dezember | 2026-12-03T17:00:00+01:00
am 3. um 10 Uhr | 2026-12-03T10:00:00+01:00
## de-DE Europe/Berlin 2026-12-31T23:30:00+01:00
morgen um 9 | 2027-01-01T09:00:00+01:00
am 2. Januar um 10 Uhr | 2027-01-02T10:00:00+01:00
2.1. um 10 | 2027-01-02T10:00:00+01:00
02.01.2027 10:00 | 2027-01-02T10:00:00+01:00
um Mitternacht | 2027-01-01T00:00:00+01:00
in 15 Min | 2026-12-31T23:45:00+01:00
in 2 Wochen um 9 | 2027-01-14T09:00:00+01:00
Freitag, 1. Januar um 10 | 2027-01-01T10:00:00+01:00
Montag, 4.1. um 8:30 | 2027-01-04T08:30:00+01:00
Dienstag Vormittag um 9 | 2027-01-05T09:00:00+01:00
Donnerstag nächste Woche um 9 | 2027-01-07T09:00:00+01:00
am Donnerstag, den 7. Januar um 9 | 2027-01-07T09:00:00+01:00
morgen um halb zehn | 2027-01-01T09:30:00+01:00
um 9 Uhr morgens | 2027-01-01T09:00:00+01:00
heute Abend | refused
"""

PORTUGUESE = """
## pt-BR America/Sao_Paulo 2026-11-25T09:10:00-03:00
amanhã às 17h | 2026-11-26T17:00:00-03:00
amanha as 17h | 2026-11-26T17:00:00-03:00
amanhã às 17:00 | 2026-11-26T17:00:00-03:00
amanhã 17h | 2026-11-26T17:00:00-03:00
amanhã às 5 da tarde | 2026-11-26T17:00:00-03:00
amanhã de manhã às 8 | 2026-11-26T08:00:00-03:00
amanhã à tarde às 3 | 2026-11-26T15:00:00-03:00
depois de amanhã às 9h30 | 2026-11-27T09:30:00-03:00
segunda que vem às 10 | 2026-11-30T10:00:00-03:00
segunda-feira que vem às 10h | 2026-11-30T10:00:00-03:00
na segunda às 10 | 2026-11-30T10:00:00-03:00
próxima segunda às 10 | 2026-11-30T10:00:00-03:00
sexta às 9h | 2026-11-27T09:00:00-03:00
sexta-feira às 9 da manhã | 2026-11-27T09:00:00-03:00
sábado ao meio-dia | 2026-11-28T12:00:00-03:00
quarta às 8h | 2026-12-02T08:00:00-03:00
daqui a 2 horas | 2026-11-25T11:10:00-03:00
em 30 minutos | 2026-11-25T09:40:00-03:00
daqui a meia hora | 2026-11-25T09:40:00-03:00
daqui a uma hora | 2026-11-25T10:10:00-03:00
em 3 dias às 10h | 2026-11-28T10:00:00-03:00
hoje à noite às 21h | 2026-11-25T21:00:00-03:00
hoje a noite as 9 | 2026-11-25T21:00:00-03:00
hoje às 18h | 2026-11-25T18:00:00-03:00
3 de dezembro às 14h30 | 2026-12-03T14:30:00-03:00
dia 3 de dezembro às 14h30 | 2026-12-03T14:30:00-03:00
3/12 às 14h30 | 2026-12-03T14:30:00-03:00
dia 3 às 10h | 2026-12-03T10:00:00-03:00
31 de fevereiro às 10h | refused
amanhã | refused
amanhã às 17h30 | 2026-11-26T17:30:00-03:00
amanhã ao meio-dia | 2026-11-26T12:00:00-03:00
daqui a 2 dias às 10h | 2026-11-27T10:00:00-03:00
daqui a duas horas | 2026-11-25T11:10:00-03:00
em 1 hora | 2026-11-25T10:10:00-03:00
daqui a 1,5 hora | 2026-11-25T10:40:00-03:00
terça às 9h | 2026-12-01T09:00:00-03:00
dia 1º de dezembro às 9h | 2026-12-01T09:00:00-03:00
1/12 às 9h | 2026-12-01T09:00:00-03:00
hoje às 21h | 2026-11-25T21:00:00-03:00
hoje às 9 da noite | 2026-11-25T21:00:00-03:00
sexta que vem às 15h | 2026-11-27T15:00:00-03:00
na próxima sexta às 15h | 2026-11-27T15:00:00-03:00
amanhã à noite às 8 | 2026-11-26T20:00:00-03:00
seg às 10h | 2026-11-30T10:00:00-03:00
no fim do mês às 10h | 2026-11-30T10:00:00-03:00
amanhã 17hs | 2026-11-26T17:00:00-03:00
amanhã às 17 horas | 2026-11-26T17:00:00-03:00
segunda de manhã às 9 | 2026-11-30T09:00:00-03:00
às 17h do dia 3 de dezembro | 2026-12-03T17:00:00-03:00
no dia 3 às 10h | 2026-12-03T10:00:00-03:00
## pt-BR America/Sao_Paulo 2026-11-30T23:50:00-03:00
amanhã às 9h | 2026-12-01T09:00:00-03:00
amanhã 9h da manhã | 2026-12-01T09:00:00-03:00
à meia-noite | 2026-12-01T00:00:00-03:00
dia 1º às 10h | 2026-12-01T10:00:00-03:00
1º de dezembro às 10h | 2026-12-01T10:00:00-03:00
01/12 às 10h | 2026-12-01T10:00:00-03:00
em 10 min | 2026-12-01T00:00:00-03:00
daqui 10 minutos | 2026-12-01T00:00:00-03:00
daqui a 1 hora e meia | 2026-12-01T01:20:00-03:00
terça às 8:30 | 2026-12-01T08:30:00-03:00
ter às 8h | 2026-12-01T08:00:00-03:00
quarta que vem às 15h | 2026-12-02T15:00:00-03:00
amanhã às 3 da madrugada | 2026-12-01T03:00:00-03:00
amanhã ao meio-dia e meia | 2026-12-01T12:30:00-03:00
segunda-feira, 7 de dezembro, às 10h | 2026-12-07T10:00:00-03:00
dia 7/12 às 10h | 2026-12-07T10:00:00-03:00
hoje às 23h55 | 2026-11-30T23:55:00-03:00
amanhã no fim do dia | 2026-12-01T17:00:00-03:00
daqui a pouco | refused
amanhã de manhã | refused
"""

JAPANESE = """
## ja-JP Asia/Tokyo 2026-11-25T09:10:00+09:00
明日の17時 | 2026-11-26T17:00:00+09:00
明日17時 | 2026-11-26T17:00:00+09:00
明日 17時 | 2026-11-26T17:00:00+09:00
明日の17:00 | 2026-11-26T17:00:00+09:00
あした17時 | 2026-11-26T17:00:00+09:00
明日の午後3時 | 2026-11-26T15:00:00+09:00
明日の午前9時 | 2026-11-26T09:00:00+09:00
明日の朝9時 | 2026-11-26T09:00:00+09:00
明日の夜8時 | 2026-11-26T20:00:00+09:00
明日の夕方5時 | 2026-11-26T17:00:00+09:00
明日の正午 | 2026-11-26T12:00:00+09:00
明日17時頃 | 2026-11-26T17:00:00+09:00
明後日9時半 | 2026-11-27T09:30:00+09:00
来週の月曜日10時 | 2026-11-30T10:00:00+09:00
来週の金曜日の15時 | 2026-12-04T15:00:00+09:00
金曜日の9時 | 2026-11-27T09:00:00+09:00
水曜日の8時 | 2026-12-02T08:00:00+09:00
2時間後 | 2026-11-25T11:10:00+09:00
30分後 | 2026-11-25T09:40:00+09:00
15分後 | 2026-11-25T09:25:00+09:00
1時間半後 | 2026-11-25T10:40:00+09:00
3日後の10時 | 2026-11-28T10:00:00+09:00
今夜9時 | 2026-11-25T21:00:00+09:00
今夜21時 | 2026-11-25T21:00:00+09:00
今日の18時 | 2026-11-25T18:00:00+09:00
正午 | 2026-11-25T12:00:00+09:00
12月3日14時30分 | 2026-12-03T14:30:00+09:00
12月3日 14:30 | 2026-12-03T14:30:00+09:00
12/3 14:30 | 2026-12-03T14:30:00+09:00
2月31日10時 | refused
明日 | refused
明日午後3時 | 2026-11-26T15:00:00+09:00
明日の15時30分 | 2026-11-26T15:30:00+09:00
明日の15:30 | 2026-11-26T15:30:00+09:00
あさって10時 | 2026-11-27T10:00:00+09:00
今日の夜9時 | 2026-11-25T21:00:00+09:00
今晩8時 | 2026-11-25T20:00:00+09:00
金曜の9時 | 2026-11-27T09:00:00+09:00
来週月曜の10時 | 2026-11-30T10:00:00+09:00
1時間後 | 2026-11-25T10:10:00+09:00
3時間30分後 | 2026-11-25T12:40:00+09:00
2日後の9時 | 2026-11-27T09:00:00+09:00
12月3日の14時 | 2026-12-03T14:00:00+09:00
12月3日午後2時半 | 2026-12-03T14:30:00+09:00
2026年12月3日14時 | 2026-12-03T14:00:00+09:00
明日朝9時 | 2026-11-26T09:00:00+09:00
明日の9時 | 2026-11-26T09:00:00+09:00
明日の１７時 | 2026-11-26T17:00:00+09:00
今夜 | refused
来週の水曜日 | refused
月末の10時 | 2026-11-30T10:00:00+09:00
一時間後 | 2026-11-25T10:10:00+09:00
三十分後 | 2026-11-25T09:40:00+09:00
明日の十時 | 2026-11-26T10:00:00+09:00
十二月三日の午後三時 | 2026-12-03T15:00:00+09:00
明日のお昼 | 2026-11-26T12:00:00+09:00
明日の昼1時 | 2026-11-26T13:00:00+09:00
明日朝一 | 2026-11-26T09:00:00+09:00
週末の10時 | refused
明日の二十五時 | refused

3日の10時 | 2026-12-03T10:00:00+09:00
来月3日10時 | 2026-12-03T10:00:00+09:00
月曜の10時半 | 2026-11-30T10:30:00+09:00
明日午前10時半 | 2026-11-26T10:30:00+09:00
明日の17時に | 2026-11-26T17:00:00+09:00
## ja-JP Asia/Tokyo 2026-12-31T23:30:00+09:00
明日の9時 | 2027-01-01T09:00:00+09:00
あすの9時 | 2027-01-01T09:00:00+09:00
元日の10時 | 2027-01-01T10:00:00+09:00
1月2日の午前10時 | 2027-01-02T10:00:00+09:00
2027年1月2日10時 | 2027-01-02T10:00:00+09:00
1/2 10:00 | 2027-01-02T10:00:00+09:00
明日の夜12時 | 2027-01-02T00:00:00+09:00
今夜12時 | 2027-01-01T00:00:00+09:00
1時間15分後 | 2027-01-01T00:45:00+09:00
1週間後の9時 | 2027-01-07T09:00:00+09:00
来週の月曜日の朝9時 | 2027-01-04T09:00:00+09:00
月曜日午前9時 | 2027-01-04T09:00:00+09:00
金曜日の午後6時 | 2027-01-01T18:00:00+09:00
日曜日の正午 | 2027-01-03T12:00:00+09:00
明日の午後 | refused
"""

CORPORA = {
    "en": ENGLISH,
    "it": ITALIAN,
    "es": SPANISH,
    "fr": FRENCH,
    "de": GERMAN,
    "pt": PORTUGUESE,
    "ja": JAPANESE,
}


@dataclass(frozen=True)
class Case:
    locale: str | None
    tz: str
    now: datetime
    phrase: str
    expect: datetime | None
    says: str = ""  # words the confirmation's notes (or the refusal) must hold


def cases_of(text: str) -> list[Case]:
    """`## <locale> <zone> <now>` blocks of `phrase | instant or refused[ | words said]` lines."""
    cases: list[Case] = []
    locale: str | None = None
    tz, now = "", datetime.min
    for line in text.strip().splitlines():
        if not line.strip():
            continue
        if line.startswith("## "):
            name, tz, now_text = line[3:].split()
            locale, now = (None if name == "en" else name), datetime.fromisoformat(now_text)
            continue
        phrase, expected, *says = (part.strip() for part in line.split(" | "))
        expect = None if expected == "refused" else datetime.fromisoformat(expected)
        cases.append(Case(locale, tz, now, phrase, expect, says[0] if says else ""))
    return cases


CASES = [case for text in CORPORA.values() for case in cases_of(text)]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.locale or 'en'}:{c.phrase}@{c.now:%m-%dT%H:%M}" for c in CASES])
def test_corpus_phrase(case: Case) -> None:
    if case.expect is None:
        with pytest.raises(TimeParseError):
            parse_when(case.phrase, case.tz, case.now, locale=case.locale)
        return
    assert parse_when(case.phrase, case.tz, case.now, locale=case.locale).isoformat() == case.expect.isoformat()
