"""Times in the user's Slack language: the same rules and guarantees as in English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from bot.core.timeparse import LANGUAGES, TimeParseError, interpret, parse_when
from bot.core.timeparse.words import CONCEPTS, KEEP
from tests.unit.timeparse_oracle import afternoon_rule, local_day, next_weekday, upcoming, wall

TZ = "Europe/Rome"
NOW = datetime.fromisoformat("2026-11-24T20:00:00+01:00")  # a Tuesday evening


@dataclass(frozen=True)
class Words:
    """How a language says the things the cases are built from."""

    locale: str
    tomorrow: str  # "{t}" is the time phrase
    day_after: str
    at_hour: str  # "{h}" an hour, 24-hour or bare
    at_minutes: str  # "{h}", "{m}"
    in_hours: str  # "{n}"
    in_minutes: str
    in_days_at: str  # "{n}" days, then "{h}"
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
    date_at: str  # "{d}" day, "{mon}" month name, "{h}"
    tonight: str  # "{h}" a bare evening hour
    afternoon: str  # "{h}" a bare afternoon hour, tomorrow
    half_past: str  # "{h}" tomorrow


ITALIAN = Words(
    "it-IT", "domani {t}", "dopodomani {t}", "alle {h}", "alle {h}:{m}", "tra {n} ore", "fra {n} minuti",
    "tra {n} giorni alle {h}",
    ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
     "novembre", "dicembre"),
    "il {d} {mon} alle {h}", "stasera alle {h}", "domani pomeriggio alle {h}", "domani alle {h} e mezza",
)  # fmt: skip
SPANISH = Words(
    "es-ES", "mañana {t}", "pasado mañana {t}", "a las {h}", "a las {h}:{m}", "en {n} horas", "dentro de {n} minutos",
    "en {n} días a las {h}",
    ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
     "diciembre"),
    "el {d} de {mon} a las {h}", "esta noche a las {h}", "mañana a las {h} de la tarde", "mañana a las {h} y media",
)  # fmt: skip
FRENCH = Words(
    "fr-FR", "demain {t}", "après-demain {t}", "à {h}h", "à {h}h{m}", "dans {n} heures", "dans {n} minutes",
    "dans {n} jours à {h}h",
    ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
     "décembre"),
    "le {d} {mon} à {h}h", "ce soir à {h}h", "demain à {h}h de l'après-midi", "demain à {h}h et demie",
)  # fmt: skip
GERMAN = Words(
    "de-DE", "morgen {t}", "übermorgen {t}", "um {h} Uhr", "um {h}:{m}", "in {n} Stunden", "in {n} Minuten",
    "in {n} Tagen um {h}",
    ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
     "Dezember"),
    "am {d}. {mon} um {h} Uhr", "heute Abend um {h}", "morgen Nachmittag um {h}", "morgen um {h}:30",
)  # fmt: skip
PORTUGUESE = Words(
    "pt-BR", "amanhã {t}", "depois de amanhã {t}", "às {h}h", "às {h}:{m}", "daqui a {n} horas", "em {n} minutos",
    "daqui a {n} dias às {h}h",
    ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"),
    ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro",
     "dezembro"),
    "{d} de {mon} às {h}h", "hoje à noite às {h}", "amanhã às {h} da tarde", "amanhã às {h} e meia",
)  # fmt: skip
JAPANESE = Words(
    "ja-JP", "明日の{t}", "明後日{t}", "{h}時", "{h}時{m}分", "{n}時間後", "{n}分後", "{n}日後の{h}時",
    ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日"),
    tuple(f"{n}月" for n in range(1, 13)),
    "{mon}{d}日{h}時", "今夜{h}時", "明日の午後{h}時", "明日の{h}時半",
)  # fmt: skip
ALL = [ITALIAN, SPANISH, FRENCH, GERMAN, PORTUGUESE, JAPANESE]
IDS = [words.locale for words in ALL]
HOURS = [8, 9, 10, 11, 13, 15, 17, 18, 21, 23]


def read(words: Words, phrase: str, now: datetime = NOW, tz: str = TZ) -> datetime:
    return parse_when(phrase, tz, now, locale=words.locale)


def tomorrow_at(hour: int, minute: int = 0, ahead: int = 1) -> datetime:
    return wall(local_day(NOW, TZ, ahead), hour, minute, TZ)


def test_every_language_has_cases() -> None:
    assert {words.locale.split("-")[0] for words in ALL} == set(LANGUAGES)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("hour", HOURS)
def test_tomorrow_at_an_hour(words: Words, hour: int) -> None:
    assert read(words, words.tomorrow.format(t=words.at_hour.format(h=hour))) == tomorrow_at(hour)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize(("hour", "minute"), [(9, 15), (10, 30), (14, 45), (17, 5), (22, 50)])
def test_the_day_after_tomorrow_at_hours_and_minutes(words: Words, hour: int, minute: int) -> None:
    phrase = words.day_after.format(t=words.at_minutes.format(h=hour, m=f"{minute:02d}"))
    assert read(words, phrase) == tomorrow_at(hour, minute, ahead=2)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("hour", [1, 3, 5, 6])
def test_a_bare_small_hour_is_afternoon_with_a_note(words: Words, hour: int) -> None:
    parsed = interpret(words.tomorrow.format(t=words.at_hour.format(h=hour)), TZ, NOW, locale=words.locale)
    assert parsed.when == tomorrow_at(afternoon_rule(hour))


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("count", [1, 2, 3, 5, 12])
def test_durations_count_elapsed_time(words: Words, count: int) -> None:
    assert read(words, words.in_hours.format(n=count)) == NOW + timedelta(hours=count)
    assert read(words, words.in_minutes.format(n=count * 10)) == NOW + timedelta(minutes=count * 10)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_days_from_now_then_an_hour(words: Words, count: int) -> None:
    assert read(words, words.in_days_at.format(n=count, h=10)) == tomorrow_at(10, ahead=count)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("weekday", range(7))
def test_weekdays_are_their_next_occurrence(words: Words, weekday: int) -> None:
    phrase = f"{words.weekdays[weekday]} {words.at_hour.format(h=19)}"
    if words.locale == "ja-JP":
        phrase = f"{words.weekdays[weekday]}の19時"
    assert read(words, phrase) == next_weekday(NOW, TZ, weekday, 19)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("month", range(1, 13))
def test_dates_with_month_names(words: Words, month: int) -> None:
    phrase = words.date_at.format(d=15, mon=words.months[month - 1], h=16)
    assert read(words, phrase) == upcoming(NOW, TZ, month, 15, 16)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("hour", [9, 10, 11])
def test_tonight(words: Words, hour: int) -> None:
    assert read(words, words.tonight.format(h=hour)) == wall(local_day(NOW, TZ), hour + 12, 0, TZ)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("hour", [1, 2, 3, 4, 5])
def test_an_hour_in_the_afternoon(words: Words, hour: int) -> None:
    assert read(words, words.afternoon.format(h=hour)) == tomorrow_at(hour + 12)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("hour", [8, 9, 10, 11])
def test_half_past(words: Words, hour: int) -> None:
    assert read(words, words.half_past.format(h=hour)) == tomorrow_at(hour, 30)


@pytest.mark.parametrize("words", ALL, ids=IDS)
def test_impossible_dates_are_refused(words: Words) -> None:
    with pytest.raises(TimeParseError):
        read(words, words.date_at.format(d=31, mon=words.months[1], h=10))
    with pytest.raises(TimeParseError):
        read(words, words.tomorrow.format(t=words.at_minutes.format(h=25, m="00")))


@pytest.mark.parametrize("words", ALL, ids=IDS)
def test_a_time_today_that_has_passed_is_refused(words: Words) -> None:
    with pytest.raises(TimeParseError, match="has passed"):
        read(words, words.tonight.format(h=7))


@pytest.mark.parametrize("words", ALL, ids=IDS)
def test_daylight_saving_offset_of_the_target_date(words: Words) -> None:
    now = datetime.fromisoformat("2027-03-27T12:00:00+01:00")  # clocks go forward in Rome on the 28th
    when = read(words, words.tomorrow.format(t=words.at_hour.format(h=10)), now)
    assert when == wall(date(2027, 3, 28), 10, 0, TZ) and when.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("words", ALL, ids=IDS)
def test_a_time_alone_is_its_next_occurrence(words: Words) -> None:
    phrase = words.at_hour.format(h=9)
    assert read(words, phrase) == tomorrow_at(9)
    assert read(words, phrase, now=NOW - timedelta(hours=12)) == wall(local_day(NOW, TZ), 9, 0, TZ)


@pytest.mark.parametrize("words", ALL, ids=IDS)
@pytest.mark.parametrize("phrase", ["tomorrow 5pm", "in 2 hours", "friday 9:30am", "Dec 3 at 14:30 IST"])
def test_english_is_always_read(words: Words, phrase: str) -> None:
    assert read(words, phrase) == parse_when(phrase, TZ, NOW)


@pytest.mark.parametrize("words", ALL, ids=IDS)
def test_without_the_locale_only_english_is_read(words: Words) -> None:
    with pytest.raises(TimeParseError):
        parse_when(words.tomorrow.format(t=words.at_hour.format(h=17)), TZ, NOW)


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "ko-KR", "zh-CN", "", "xx", "it"])
def test_other_locales_read_english(locale: str) -> None:
    assert parse_when("tomorrow 5pm", TZ, NOW, locale=locale) == tomorrow_at(17)


@pytest.mark.parametrize(
    ("locale", "phrase", "month", "day"),
    [("it-IT", "03/04 10:00", 4, 3), ("pt-BR", "03/04 10:00", 4, 3), ("ja-JP", "03/04 10:00", 3, 4)],
)
def test_numeric_dates_follow_the_languages_order(locale: str, phrase: str, month: int, day: int) -> None:
    assert parse_when(phrase, "America/Sao_Paulo", NOW, locale=locale) == upcoming(
        NOW, "America/Sao_Paulo", month, day, 10
    )


@pytest.mark.parametrize(
    ("locale", "phrase", "hour", "minute"),
    [
        ("it-IT", "domani alle 17", 17, 0),
        ("es-ES", "mañana a las 5 de la tarde", 17, 0),
        ("fr-FR", "demain à 17h", 17, 0),
        ("de-DE", "morgen um 17 Uhr", 17, 0),
        ("pt-BR", "amanhã às 17h", 17, 0),
        ("ja-JP", "明日の17時", 17, 0),
        ("it-IT", "domani mattina alle 9", 9, 0),
        ("es-ES", "mañana a las 10 de la mañana", 10, 0),
        ("fr-FR", "demain matin à 9h", 9, 0),
        ("de-DE", "morgen früh um 8", 8, 0),
        ("pt-BR", "amanhã às 10 da manhã", 10, 0),
        ("ja-JP", "明日の午前10時半", 10, 30),
        ("it-IT", "domani a mezzogiorno", 12, 0),
        ("es-ES", "mañana al mediodía", 12, 0),
        ("fr-FR", "demain à midi", 12, 0),
        ("de-DE", "morgen um halb 6", 17, 30),
        ("de-DE", "morgen um viertel nach 3", 15, 15),
        ("it-IT", "domani alle 5 meno un quarto", 16, 45),
        ("fr-FR", "demain à 17 heures 30", 17, 30),
        ("pt-BR", "amanhã ao meio-dia", 12, 0),
    ],
)
def test_phrases_as_people_write_them(locale: str, phrase: str, hour: int, minute: int) -> None:
    assert parse_when(phrase, TZ, NOW, locale=locale) == tomorrow_at(hour, minute)


@pytest.mark.parametrize(
    ("locale", "phrase", "minutes"),
    [
        ("it-IT", "tra mezz'ora", 30),
        ("it-IT", "tra un'ora", 60),
        ("it-IT", "in 2 ore", 120),
        ("es-ES", "en media hora", 30),
        ("es-ES", "en una hora", 60),
        ("fr-FR", "dans une demi-heure", 30),
        ("fr-FR", "dans un quart d'heure", 15),
        ("de-DE", "in einer halben Stunde", 30),
        ("de-DE", "in einer Stunde", 60),
        ("pt-BR", "em meia hora", 30),
        ("pt-BR", "daqui a uma hora", 60),
        ("ja-JP", "2時間後", 120),
        ("ja-JP", "1時間半後", 90),
    ],
)
def test_durations_as_people_write_them(locale: str, phrase: str, minutes: int) -> None:
    assert parse_when(phrase, TZ, NOW, locale=locale) == NOW + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("locale", "phrase"),
    [
        ("it-IT", "lunedì prossimo alle 9"),
        ("es-ES", "el próximo lunes a las 9"),
        ("fr-FR", "lundi prochain à 9h"),
        ("de-DE", "nächsten Montag um 9"),
        ("pt-BR", "próxima segunda às 9h"),
    ],
)
def test_next_weekday(locale: str, phrase: str) -> None:
    assert parse_when(phrase, TZ, NOW, locale=locale) == next_weekday(NOW, TZ, 0, 9)


@pytest.mark.parametrize(
    ("locale", "phrase"),
    [("it-IT", "il 15 alle 10"), ("es-ES", "el 15 a las 10"), ("fr-FR", "le 15 à 10h"),
     ("de-DE", "am 15. um 10 Uhr"), ("pt-BR", "dia 15 às 10h")],
)  # fmt: skip
def test_a_day_of_the_month_alone(locale: str, phrase: str) -> None:
    today = local_day(NOW, TZ)
    month = today if today.day <= 15 else (today.replace(day=1) + timedelta(days=32))
    assert parse_when(phrase, TZ, NOW, locale=locale) == wall(month.replace(day=15), 10, 0, TZ)


@pytest.mark.parametrize(
    ("locale", "phrase"),
    [("it-IT", "lunedì della prossima settimana alle 9"), ("it-IT", "lunedì settimana prossima alle 9"),
     ("es-ES", "el lunes de la semana que viene a las 9"), ("fr-FR", "lundi de la semaine prochaine à 9h"),
     ("de-DE", "Montag nächste Woche um 9"), ("pt-BR", "segunda da semana que vem às 9h"),
     ("ja-JP", "来週の月曜日の9時")],
)  # fmt: skip
def test_a_weekday_next_week(locale: str, phrase: str) -> None:
    today = local_day(NOW, TZ)
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    assert parse_when(phrase, TZ, NOW, locale=locale) == wall(monday, 9, 0, TZ)


def test_by_tomorrow_in_italian() -> None:
    assert parse_when("entro domani alle 17", TZ, NOW, locale="it-IT") == tomorrow_at(17)
    assert parse_when("entro 2 ore", TZ, NOW, locale="it-IT") == NOW + timedelta(hours=2)


def test_refusals_are_in_english_and_name_what_was_not_understood() -> None:
    with pytest.raises(TimeParseError, match="couldn't understand"):
        parse_when("domani quando vuoi", TZ, NOW, locale="it-IT")


# --- the classes read since: each language's words for them, with cases generated per language -----------------

LATER = {
    "it-IT": "{n} minuti più tardi",
    "es-ES": "{n} minutos más tarde",
    "fr-FR": "{n} minutes plus tard",
    "de-DE": "{n} Minuten später",
    "pt-BR": "{n} minutos mais tarde",
    "ja-JP": "今から{n}分後",
}
FROM_NOW = {
    "it-IT": "tra {n} minuti da adesso",
    "es-ES": "en {n} minutos a partir de ahora",
    "fr-FR": "dans {n} minutes à partir de maintenant",
    "de-DE": "in {n} Minuten ab jetzt",
    "pt-BR": "daqui a {n} minutos a partir de agora",
    "ja-JP": "{n}分後",
}
THREE_QUARTERS = {
    "it-IT": "tra tre quarti d'ora",
    "es-ES": "en tres cuartos de hora",
    "fr-FR": "dans trois quarts d'heure",
    "de-DE": "in einer Dreiviertelstunde",
    "pt-BR": "daqui a três quartos de hora",
    "ja-JP": "45分後",
}
MINUTES_TO = {
    "it-IT": "domani alle {h} meno {m}",
    "es-ES": "mañana a las {h} menos {m}",
    "fr-FR": "demain à {h}h moins {m}",
    "de-DE": "morgen um {m} vor {h}",
    "pt-BR": "amanhã {m} para as {h}",
    "ja-JP": "明日の{h}時{m}分前",
}
THIS_WEEK = {
    "it-IT": "{w} di questa settimana alle 21",
    "es-ES": "el {w} de esta semana a las 21",
    "fr-FR": "{w} de cette semaine à 21h",
    "de-DE": "{w} dieser Woche um 21 Uhr",
    "pt-BR": "{w} desta semana às 21h",
    "ja-JP": "今週の{w}の21時",
}
NEXT_WEEK = {
    "it-IT": "{w} della prossima settimana alle 9",
    "es-ES": "el {w} de la semana que viene a las 9",
    "fr-FR": "{w} de la semaine prochaine à 9h",
    "de-DE": "{w} der nächsten Woche um 9 Uhr",
    "pt-BR": "{w} da semana que vem às 9h",
    "ja-JP": "来週の{w}の9時",
}
NOON_IN_THE_AFTERNOON = {
    "it-IT": "domani pomeriggio alle 12",
    "es-ES": "mañana por la tarde a las 12",
    "fr-FR": "demain après-midi à 12h",
    "de-DE": "morgen Nachmittag um 12",
    "pt-BR": "amanhã à tarde às 12h",
    "ja-JP": "明日の午後12時",
}
EVENING = {
    "it-IT": "domani di sera alle {h}",
    "es-ES": "mañana por la noche a las {h}",
    "fr-FR": "demain à {h}h du soir",
    "de-DE": "morgen in der Nacht um {h}",
    "pt-BR": "amanhã à noite às {h}",
    "ja-JP": "明日の夜{h}時",
}
MORNING = {
    "it-IT": "domani in mattinata alle {h}",
    "es-ES": "mañana a las {h} de la mañana",
    "fr-FR": "demain en matinée à {h}h",
    "de-DE": "morgen am Morgen um {h}",
    "pt-BR": "amanhã pela manhã às {h}",
    "ja-JP": "明日の朝{h}時",
}
BY_LOCALE = {words.locale: words for words in ALL}


@pytest.mark.parametrize("locale", LATER)
@pytest.mark.parametrize("minutes", [1, 5, 20, 45])
def test_minutes_later_and_from_now(locale: str, minutes: int) -> None:
    for forms in (LATER, FROM_NOW):
        assert parse_when(forms[locale].format(n=minutes), TZ, NOW, locale=locale) == NOW + timedelta(minutes=minutes)


@pytest.mark.parametrize("locale", THREE_QUARTERS)
def test_three_quarters_of_an_hour(locale: str) -> None:
    assert parse_when(THREE_QUARTERS[locale], TZ, NOW, locale=locale) == NOW + timedelta(minutes=45)


@pytest.mark.parametrize("locale", MINUTES_TO)
@pytest.mark.parametrize("hour", [9, 10, 11, 15, 17, 21])
@pytest.mark.parametrize("minutes", [5, 10, 20])
def test_minutes_to_an_hour(locale: str, hour: int, minutes: int) -> None:
    then, minute = divmod(hour * 60 - minutes, 60)
    phrase = MINUTES_TO[locale].format(h=hour, m=minutes)
    assert parse_when(phrase, TZ, NOW, locale=locale) == tomorrow_at(afternoon_rule(then), minute)


@pytest.mark.parametrize("locale", THIS_WEEK)
@pytest.mark.parametrize("weekday", range(7))
def test_a_weekday_of_this_week(locale: str, weekday: int) -> None:
    today = local_day(NOW, TZ)
    phrase = THIS_WEEK[locale].format(w=BY_LOCALE[locale].weekdays[weekday])
    if weekday < today.weekday():
        with pytest.raises(TimeParseError, match="has passed"):
            parse_when(phrase, TZ, NOW, locale=locale)
        return
    day = today + timedelta(days=weekday - today.weekday())
    assert parse_when(phrase, TZ, NOW, locale=locale) == wall(day, 21, 0, TZ)


@pytest.mark.parametrize("locale", NEXT_WEEK)
@pytest.mark.parametrize("weekday", range(7))
def test_a_weekday_of_next_week(locale: str, weekday: int) -> None:
    today = local_day(NOW, TZ)
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    phrase = NEXT_WEEK[locale].format(w=BY_LOCALE[locale].weekdays[weekday])
    assert parse_when(phrase, TZ, NOW, locale=locale) == wall(monday + timedelta(days=weekday), 9, 0, TZ)


@pytest.mark.parametrize("locale", NOON_IN_THE_AFTERNOON)
def test_twelve_in_the_afternoon_is_noon(locale: str) -> None:
    assert parse_when(NOON_IN_THE_AFTERNOON[locale], TZ, NOW, locale=locale) == tomorrow_at(12)


@pytest.mark.parametrize("locale", EVENING)
@pytest.mark.parametrize("hour", [5, 6, 7, 8, 9, 10, 11])
def test_an_hour_in_the_evening_or_at_night(locale: str, hour: int) -> None:
    assert parse_when(EVENING[locale].format(h=hour), TZ, NOW, locale=locale) == tomorrow_at(hour + 12)


@pytest.mark.parametrize("locale", MORNING)
@pytest.mark.parametrize("hour", [5, 6, 7, 8, 9, 10, 11])
def test_an_hour_in_the_morning(locale: str, hour: int) -> None:
    assert parse_when(MORNING[locale].format(h=hour), TZ, NOW, locale=locale) == tomorrow_at(hour)


@pytest.mark.parametrize("words", ALL, ids=IDS)
def test_each_languages_words_not_about_time_are_left_out(words: Words) -> None:
    language = words.locale.split("-")[0]
    base = words.tomorrow.format(t=words.at_hour.format(h=17))
    kept = next(concept for concept in CONCEPTS if concept.english == KEEP).words[language]
    for filler in kept:
        for phrase in (f"{filler} {base}", f"{base} {filler}"):
            parsed = interpret(phrase, TZ, NOW, locale=words.locale)
            assert parsed.when == tomorrow_at(17) and parsed.ignored == (filler,), phrase
