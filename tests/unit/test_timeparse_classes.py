"""Phrases of each class the parser learned to read, in English and in every language where the class exists.

Each expected instant was worked out by hand (Wednesday 25 November 2026, 09:10 where the user is, unless a
block says otherwise: Thursday is the 26th, Friday the 27th, next week runs Monday 30 November to Sunday 6
December). Lines are `phrase | expected instant | words the confirmation must hold` (the last is optional);
`refused` means the phrase must be refused, and then the third column is words the refusal must hold.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.config import Settings
from bot.core.command import Draft
from bot.core.timeparse import TimeParseError, interpret
from bot.core.validation import validate
from bot.slack.blocks import confirmation_blocks
from tests.unit.test_timeparse_corpus import Case, cases_of

WORDS_NOT_ABOUT_TIME = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
meeting tomorrow 5pm | 2026-11-26T17:00:00+05:30 | “meeting” is not about time
let's meet at 3pm friday | 2026-11-27T15:00:00+05:30 | “let's meet”
something at 5pm tomorrow | 2026-11-26T17:00:00+05:30 | “something”
call friday 10am | 2026-11-27T10:00:00+05:30 | “call”
meeting in 2 hours | 2026-11-25T11:10:00+05:30 | “meeting”
please send tomorrow at 9am | 2026-11-26T09:00:00+05:30 | “please” and “send” are not about time
team meeting tomorrow 5pm | refused | “team”
dinner at 8 | refused | “dinner”
5pm london | refused | “london”
meeting tomorrow | refused | Add a time of day
## it-IT Europe/Rome 2026-11-25T09:10:00+01:00
riunione domani alle 15 | 2026-11-26T15:00:00+01:00 | “riunione”
appuntamento venerdì alle 10 | 2026-11-27T10:00:00+01:00 | “appuntamento”
ci vediamo domani alle 18 | 2026-11-26T18:00:00+01:00 | “ci vediamo”
domani alle 9 per favore | 2026-11-26T09:00:00+01:00 | “per favore”
## es-ES Europe/Madrid 2026-11-25T09:10:00+01:00
reunión mañana a las 5 de la tarde | 2026-11-26T17:00:00+01:00 | “reunión”
cita el viernes a las 10 | 2026-11-27T10:00:00+01:00 | “cita”
nos vemos mañana a las 18 | 2026-11-26T18:00:00+01:00 | “nos vemos”
## fr-FR Europe/Paris 2026-11-25T09:10:00+01:00
RDV à 14h demain | 2026-11-26T14:00:00+01:00 | “rdv”
réunion demain à 9h | 2026-11-26T09:00:00+01:00 | “réunion”
rendez-vous vendredi à 10h | 2026-11-27T10:00:00+01:00 | “rendez-vous”
## de-DE Europe/Berlin 2026-11-25T09:10:00+01:00
Termin morgen um 15 Uhr | 2026-11-26T15:00:00+01:00 | “termin”
Treffen am Freitag um 10 | 2026-11-27T10:00:00+01:00 | “treffen”
Besprechung morgen um 9 | 2026-11-26T09:00:00+01:00 | “besprechung”
## pt-BR America/Sao_Paulo 2026-11-25T09:10:00-03:00
reunião amanhã às 15h | 2026-11-26T15:00:00-03:00 | “reunião”
compromisso sexta às 10h | 2026-11-27T10:00:00-03:00 | “compromisso”
## ja-JP Asia/Tokyo 2026-11-25T09:10:00+09:00
明日の15時に会議 | 2026-11-26T15:00:00+09:00 | “会議”
会議は明日の10時 | 2026-11-26T10:00:00+09:00 | “会議”
"""

CLOCK_NOTATIONS = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
tomorrow 8h10m | 2026-11-26T08:10:00+05:30 | for a duration, write “in 8h10m”
8h10m00s tomorrow | 2026-11-26T08:10:00+05:30
15h05 tomorrow | 2026-11-26T15:05:00+05:30
3h18 tomorrow | 2026-11-26T15:18:00+05:30 | write “3:18am” for the other
03h18 tomorrow | 2026-11-26T03:18:00+05:30
at 3 15 tomorrow | 2026-11-26T15:15:00+05:30 | write “3:15am” for the other
tomorrow at 10 30 | 2026-11-26T10:30:00+05:30
at 9 05pm | 2026-11-25T21:05:00+05:30
1515pm tomorrow | 2026-11-26T15:15:00+05:30 | “1515pm” was read as 15:15
tomorrow 15:15pm | 2026-11-26T15:15:00+05:30
1515am | refused
05/31/2027-14:15 | 2027-05-31T14:15:00+05:30
31/05/2027-14:15 | 2027-05-31T14:15:00+05:30
12/03/2027.14:15 | 2027-03-12T14:15:00+05:30 | day/month
31.05.2027:14:15 | 2027-05-31T14:15:00+05:30
2027-05-31-14:15 | 2027-05-31T14:15:00+05:30
3 in the AM tomorrow | 2026-11-26T03:00:00+05:30
tomorrow 3 in the PM | 2026-11-26T15:00:00+05:30
3 o'clock pm tomorrow | 2026-11-26T15:00:00+05:30
9 o'clock am | 2026-11-26T09:00:00+05:30
## en America/New_York 2026-11-25T09:10:00-05:00
05/31/2027-14:15 | 2027-05-31T14:15:00-04:00
12/03/2027.14:15 | 2027-12-03T14:15:00-05:00 | month/day
## it-IT Europe/Rome 2026-11-25T09:10:00+01:00
domani alle 8h10 | 2026-11-26T08:10:00+01:00
domani alle 17 e 15 | 2026-11-26T17:15:00+01:00
31/05/2027-14:15 | 2027-05-31T14:15:00+02:00
## es-ES Europe/Madrid 2026-11-25T09:10:00+01:00
mañana a las 10 y 15 | 2026-11-26T10:15:00+01:00
mañana a las 8h10 | 2026-11-26T08:10:00+01:00
## fr-FR Europe/Paris 2026-11-25T09:10:00+01:00
demain à 15h05 | 2026-11-26T15:05:00+01:00
demain à 3h18 | 2026-11-26T15:18:00+01:00 | write “3:18am” for the other
demain à 8h10m | 2026-11-26T08:10:00+01:00
## de-DE Europe/Berlin 2026-11-25T09:10:00+01:00
morgen um 8h10 | 2026-11-26T08:10:00+01:00
morgen um 17 Uhr 15 | 2026-11-26T17:15:00+01:00
31.05.2027-14:15 | 2027-05-31T14:15:00+02:00
## pt-BR America/Sao_Paulo 2026-11-25T09:10:00-03:00
amanhã às 8h10 | 2026-11-26T08:10:00-03:00
amanhã às 10 e 15 | 2026-11-26T10:15:00-03:00
## ja-JP Asia/Tokyo 2026-11-25T09:10:00+09:00
明日の8時10分 | 2026-11-26T08:10:00+09:00
2027/05/31-14:15 | 2027-05-31T14:15:00+09:00
"""

SPOKEN_CLOCKS_AND_FRACTIONS = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
half three | 2026-11-25T15:30:00+05:30 | read as half past 3
half ten tomorrow | 2026-11-26T10:30:00+05:30
half 7 tonight | 2026-11-25T19:30:00+05:30
quarter to noon tomorrow | 2026-11-26T11:45:00+05:30
15 minutes past 15h | 2026-11-25T15:15:00+05:30
twenty past 9 tomorrow | 2026-11-26T09:20:00+05:30
twelve oh three | 2026-11-25T12:03:00+05:30
ten-thirty tomorrow | 2026-11-26T10:30:00+05:30
three-fifteen | 2026-11-25T15:15:00+05:30 | write “3:15am” for the other
in 1/4 h | 2026-11-25T09:25:00+05:30
in 3/4 hour | 2026-11-25T09:55:00+05:30
in 1 1/4 hours | 2026-11-25T10:25:00+05:30
in three-quarters of an hour | 2026-11-25T09:55:00+05:30
in three quarters of an hour | 2026-11-25T09:55:00+05:30
in 2 and a half hours | 2026-11-25T11:40:00+05:30
a day from now | 2026-11-26T09:10:00+05:30
in a couple of minutes | 2026-11-25T09:12:00+05:30 | read as 2 minutes
half to 5 | refused
## it-IT Europe/Rome 2026-11-25T09:10:00+01:00
domani alle 3 meno 10 | 2026-11-26T14:50:00+01:00
domani alle 5 meno un quarto | 2026-11-26T16:45:00+01:00
domani alle tre e un quarto | 2026-11-26T15:15:00+01:00
tra tre quarti d'ora | 2026-11-25T09:55:00+01:00
tra un quarto d'ora | 2026-11-25T09:25:00+01:00
tra 2 ore e mezza | 2026-11-25T11:40:00+01:00
tra un giorno | 2026-11-26T09:10:00+01:00
tra un paio di minuti | 2026-11-25T09:12:00+01:00 | read as 2 minutes
## es-ES Europe/Madrid 2026-11-25T09:10:00+01:00
mañana a las 5 menos 10 | 2026-11-26T16:50:00+01:00
mañana a las 5 menos cuarto | 2026-11-26T16:45:00+01:00
en tres cuartos de hora | 2026-11-25T09:55:00+01:00
en un cuarto de hora | 2026-11-25T09:25:00+01:00
en 2 horas y media | 2026-11-25T11:40:00+01:00
dentro de un día | 2026-11-26T09:10:00+01:00
en un par de minutos | 2026-11-25T09:12:00+01:00
## fr-FR Europe/Paris 2026-11-25T09:10:00+01:00
demain à 5h moins 10 | 2026-11-26T16:50:00+01:00
demain à 17 heures moins le quart | 2026-11-26T16:45:00+01:00
dans trois quarts d'heure | 2026-11-25T09:55:00+01:00
dans 2 heures et demie | 2026-11-25T11:40:00+01:00
dans quelques minutes | 2026-11-25T09:13:00+01:00 | read as 3 minutes
dans un jour | 2026-11-26T09:10:00+01:00
## de-DE Europe/Berlin 2026-11-25T09:10:00+01:00
morgen um 10 nach 3 | 2026-11-26T15:10:00+01:00
morgen um 5 vor 12 | 2026-11-26T11:55:00+01:00
morgen um halb 4 | 2026-11-26T15:30:00+01:00
in einer Dreiviertelstunde | 2026-11-25T09:55:00+01:00
in einer Viertelstunde | 2026-11-25T09:25:00+01:00
in zweieinhalb Stunden | 2026-11-25T11:40:00+01:00
in ein paar Minuten | 2026-11-25T09:13:00+01:00 | read as 3 minutes
in einem Tag | 2026-11-26T09:10:00+01:00
## pt-BR America/Sao_Paulo 2026-11-25T09:10:00-03:00
amanhã às 3 e 15 | 2026-11-26T15:15:00-03:00
amanhã quinze para as cinco | 2026-11-26T16:45:00-03:00
amanhã às dez para as cinco | 2026-11-26T16:50:00-03:00
daqui a três quartos de hora | 2026-11-25T09:55:00-03:00
daqui a 2 horas e meia | 2026-11-25T11:40:00-03:00
daqui a alguns minutos | 2026-11-25T09:13:00-03:00 | read as 3 minutes
daqui a um dia | 2026-11-26T09:10:00-03:00
## ja-JP Asia/Tokyo 2026-11-25T09:10:00+09:00
明日の3時15分前 | 2026-11-26T14:45:00+09:00
明日の15時5分過ぎ | 2026-11-26T15:05:00+09:00
45分後 | 2026-11-25T09:55:00+09:00
数分後 | 2026-11-25T09:13:00+09:00 | read as 3 minutes
1日後 | 2026-11-26T09:10:00+09:00
"""

PARTS_OF_THE_DAY = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
this afternoon at 12 | 2026-11-25T12:00:00+05:30
this afternoon at 2 | 2026-11-25T14:00:00+05:30
tomorrow afternoon at 12:30 | 2026-11-26T12:30:00+05:30
8 in the evening tomorrow | 2026-11-26T20:00:00+05:30
## it-IT Europe/Rome 2026-11-25T09:10:00+01:00
oggi pomeriggio alle 12 | 2026-11-25T12:00:00+01:00
domani di sera alle 9 | 2026-11-26T21:00:00+01:00
domani in mattinata alle 10 | 2026-11-26T10:00:00+01:00
domani in serata alle 8 | 2026-11-26T20:00:00+01:00
domani nel pomeriggio alle 3 | 2026-11-26T15:00:00+01:00
domani di notte alle 11 | 2026-11-26T23:00:00+01:00
## es-ES Europe/Madrid 2026-11-25T09:10:00+01:00
esta tarde a las 12 | 2026-11-25T12:00:00+01:00
mañana por la noche a las 9 | 2026-11-26T21:00:00+01:00
mañana de madrugada a las 3 | 2026-11-26T03:00:00+01:00
mañana a la tarde a las 4 | 2026-11-26T16:00:00+01:00
## fr-FR Europe/Paris 2026-11-25T09:10:00+01:00
cet après-midi à 12h | 2026-11-25T12:00:00+01:00
demain à 11h du soir | 2026-11-26T23:00:00+01:00
demain dans l'après-midi à 3h | 2026-11-26T15:00:00+01:00
demain dans la soirée à 8h | 2026-11-26T20:00:00+01:00
demain en matinée à 10h | 2026-11-26T10:00:00+01:00
demain à 3h de la nuit | refused | 3am
## de-DE Europe/Berlin 2026-11-25T09:10:00+01:00
heute Nachmittag um 12 | 2026-11-25T12:00:00+01:00
morgen mittags | 2026-11-26T12:00:00+01:00
morgen um 1 Uhr mittags | 2026-11-26T13:00:00+01:00
morgen um 12 Uhr mittags | 2026-11-26T12:00:00+01:00
morgen in der Nacht um 11 | 2026-11-26T23:00:00+01:00
morgen am Morgen um 8 | 2026-11-26T08:00:00+01:00
morgen um 7 Uhr mittags | refused
## pt-BR America/Sao_Paulo 2026-11-25T09:10:00-03:00
hoje à tarde às 12h | 2026-11-25T12:00:00-03:00
amanhã à noite às 11 | 2026-11-26T23:00:00-03:00
amanhã de madrugada às 3 | 2026-11-26T03:00:00-03:00
amanhã pela manhã às 9 | 2026-11-26T09:00:00-03:00
## ja-JP Asia/Tokyo 2026-11-25T09:10:00+09:00
今日の午後12時 | 2026-11-25T12:00:00+09:00
明日の夜11時 | 2026-11-26T23:00:00+09:00
明日の朝8時 | 2026-11-26T08:00:00+09:00
"""

WEEK_RELATIVE_DAYS = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
friday of next week at 9am | 2026-12-04T09:00:00+05:30
next week's friday 9am | 2026-12-04T09:00:00+05:30
friday the following week at 9am | 2026-12-04T09:00:00+05:30
friday this week at 5pm | 2026-11-27T17:00:00+05:30
wednesday of this week at 10am | 2026-11-25T10:00:00+05:30
monday this week 9am | refused | has passed
this week at 5pm | refused | Say which day this week
## it-IT Europe/Rome 2026-11-25T09:10:00+01:00
venerdì della prossima settimana alle 9 | 2026-12-04T09:00:00+01:00
venerdì di questa settimana alle 17 | 2026-11-27T17:00:00+01:00
## es-ES Europe/Madrid 2026-11-25T09:10:00+01:00
el viernes de la semana que viene a las 9 | 2026-12-04T09:00:00+01:00
el viernes de esta semana a las 17 | 2026-11-27T17:00:00+01:00
## fr-FR Europe/Paris 2026-11-25T09:10:00+01:00
vendredi de la semaine prochaine à 9h | 2026-12-04T09:00:00+01:00
vendredi de cette semaine à 17h | 2026-11-27T17:00:00+01:00
## de-DE Europe/Berlin 2026-11-25T09:10:00+01:00
Freitag der nächsten Woche um 9 Uhr | 2026-12-04T09:00:00+01:00
Freitag dieser Woche um 17 Uhr | 2026-11-27T17:00:00+01:00
## pt-BR America/Sao_Paulo 2026-11-25T09:10:00-03:00
sexta da semana que vem às 9h | 2026-12-04T09:00:00-03:00
sexta da próxima semana às 9h | 2026-12-04T09:00:00-03:00
sexta desta semana às 17h | 2026-11-27T17:00:00-03:00
## ja-JP Asia/Tokyo 2026-11-25T09:10:00+09:00
来週の金曜日の9時 | 2026-12-04T09:00:00+09:00
今週の金曜日の17時 | 2026-11-27T17:00:00+09:00
"""

DURATIONS_WORDED_DIFFERENTLY = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
15 minutes out | 2026-11-25T09:25:00+05:30
2 hours out | 2026-11-25T11:10:00+05:30
in about ~5 hours | 2026-11-25T14:10:00+05:30 | An exact time is used: 14:10
~5pm | 2026-11-25T17:00:00+05:30 | An exact time is used
## it-IT Europe/Rome 2026-11-25T09:10:00+01:00
5 minuti più tardi | 2026-11-25T09:15:00+01:00
tra circa 5 ore | 2026-11-25T14:10:00+01:00 | An exact time is used
10 minuti da adesso | 2026-11-25T09:20:00+01:00
## es-ES Europe/Madrid 2026-11-25T09:10:00+01:00
5 minutos más tarde | 2026-11-25T09:15:00+01:00
en unas 5 horas | 2026-11-25T14:10:00+01:00 | An exact time is used
10 minutos a partir de ahora | 2026-11-25T09:20:00+01:00
## fr-FR Europe/Paris 2026-11-25T09:10:00+01:00
en 1 heure | 2026-11-25T10:10:00+01:00
en une heure | 2026-11-25T10:10:00+01:00
5 minutes plus tard | 2026-11-25T09:15:00+01:00
dans environ 5 heures | 2026-11-25T14:10:00+01:00 | An exact time is used
dans 10 minutes à partir de maintenant | 2026-11-25T09:20:00+01:00
## de-DE Europe/Berlin 2026-11-25T09:10:00+01:00
5 Minuten später | 2026-11-25T09:15:00+01:00
in ca. 5 Stunden | 2026-11-25T14:10:00+01:00 | An exact time is used
in 10 Minuten ab jetzt | 2026-11-25T09:20:00+01:00
## pt-BR America/Sao_Paulo 2026-11-25T09:10:00-03:00
5 minutos mais tarde | 2026-11-25T09:15:00-03:00
daqui a uns 5 minutos | 2026-11-25T09:15:00-03:00 | An exact time is used
em cerca de 5 horas | 2026-11-25T14:10:00-03:00
## ja-JP Asia/Tokyo 2026-11-25T09:10:00+09:00
今から5分後 | 2026-11-25T09:15:00+09:00
5時間後くらい | 2026-11-25T14:10:00+09:00 | An exact time is used
"""

TWO_HONEST_READINGS = """
## en Asia/Kolkata 2026-11-25T09:10:00+05:30
at 5 | 2026-11-25T17:00:00+05:30 | write “5am” for the other
tomorrow at 9 | 2026-11-26T09:00:00+05:30 | write “9pm” for the other
midnight on the 12th | 2026-12-13T00:00:00+05:30 | the night after Sat 12 Dec
03/04 10am | 2027-04-03T10:00:00+05:30 | for 4 March, write the month's name
2h | refused | a time or a duration
tonight at 2 | refused | write 2am
## en Asia/Kolkata 2026-11-26T09:10:00+05:30
next friday 9am | 2026-11-27T09:00:00+05:30 | write “04 Dec” for the week after
## it-IT Europe/Rome 2026-11-26T09:10:00+01:00
venerdì prossimo alle 9 | 2026-11-27T09:00:00+01:00 | write “04 Dec” for the week after
domani alle 5 | 2026-11-27T17:00:00+01:00 | write “5am” for the other
## de-DE Europe/Berlin 2026-11-26T09:10:00+01:00
nächsten Freitag um 9 Uhr | 2026-11-27T09:00:00+01:00 | write “04 Dec” for the week after
morgen um 5 | 2026-11-27T17:00:00+01:00 | write “5am” for the other
"""

CLASSES = {
    "not about time": WORDS_NOT_ABOUT_TIME,
    "clock notations": CLOCK_NOTATIONS,
    "spoken clocks and fractions": SPOKEN_CLOCKS_AND_FRACTIONS,
    "parts of the day": PARTS_OF_THE_DAY,
    "week-relative days": WEEK_RELATIVE_DAYS,
    "durations worded differently": DURATIONS_WORDED_DIFFERENTLY,
    "two honest readings": TWO_HONEST_READINGS,
}


ALL = [(kind, case) for kind, text in CLASSES.items() for case in cases_of(text)]


@pytest.mark.parametrize(("kind", "case"), ALL, ids=[f"{kind}:{c.locale or 'en'}:{c.phrase}" for kind, c in ALL])
def test_a_class_of_phrases(kind: str, case: Case) -> None:
    if case.expect is None:
        with pytest.raises(TimeParseError, match=case.says or None):
            interpret(case.phrase, case.tz, case.now, locale=case.locale)
        return
    parsed = interpret(case.phrase, case.tz, case.now, locale=case.locale)
    assert parsed.when.isoformat() == case.expect.isoformat()
    assert case.says in " ".join(parsed.notes)


@pytest.mark.parametrize("kind", CLASSES)
def test_every_class_is_read_in_every_language(kind: str) -> None:
    languages = {case.locale for case in cases_of(CLASSES[kind]) if case.expect is not None}
    expected = {None} if kind == "two honest readings" else {None, "it-IT", "es-ES", "fr-FR", "de-DE", "pt-BR", "ja-JP"}
    assert expected <= languages


def test_words_left_out_are_the_results_data_too() -> None:
    now = datetime.fromisoformat("2026-11-25T09:10:00+05:30")
    parsed = interpret("please send tomorrow at 9am", "Asia/Kolkata", now)
    assert parsed.ignored == ("please", "send")
    assert interpret("tomorrow at 9am", "Asia/Kolkata", now).ignored == ()
    french = interpret("RDV à 14h demain", "Europe/Paris", now, locale="fr-FR")
    assert french.ignored == ("rdv",) and french.when == interpret("demain à 14h", "Europe/Paris", now, "fr-FR").when


def test_words_left_out_reach_the_confirmation() -> None:
    """The confirmation shows the parser's notes, so it names the words that were left out."""
    values = {"slack_bot_token": "xoxb-unit", "slack_signing_secret": "unit-secret", "kaleyra_sid": "HXAP16TEST97IN",
              "kaleyra_api_key": "unit-key", "kaleyra_sender": "KLRHXA"}  # fmt: skip
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    draft = Draft(recipients="+919876543210", message="Hi", when="RDV demain à 17h", route="TXN", sender="KLRHXA")
    now = datetime.fromisoformat("2026-11-24T20:00:00+05:30")
    request = validate(draft, "Europe/Paris", now, settings, locale="fr-FR")
    assert request.send_at is not None and request.send_at.isoformat() == "2026-11-25T17:00:00+01:00"
    shown = json.dumps(confirmation_blocks("p1", request, "Europe/Paris", now), ensure_ascii=False)
    assert "“rdv” is not about time, so left out." in shown
