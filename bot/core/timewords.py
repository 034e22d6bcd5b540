"""Time words in the languages read besides English, as rewrites into the English the time reader takes.

Each rule is (regular expression, replacement), applied in order to the lower-cased phrase; the
longer phrases come first ("pasado mañana" before "mañana", "de la mañana" before both). Weekday
and month names come from dateparser's language data, so they are not repeated here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Rewrite = tuple[str, str | Callable[[re.Match[str]], str]]

ENGLISH_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
ENGLISH_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOUR = r"(\d{1,2})"
_NOT_A_DAY = r"(?![\d:.h/-])"  # "il 3" is a day of the month; "il 3/12" and "le 3h" are not


def _numbers(words: dict[str, int]) -> Rewrite:
    """Number words as digits, so 'tra due ore' and 'alle sei' are read like 'tra 2 ore' and 'alle 6'."""
    pattern = "|".join(sorted(words, key=len, reverse=True))
    return pattern, lambda match: str(words[match.group(0)])


def _first_of(months: str, words: str) -> Rewrite:
    """'primo dicembre', '1er décembre', '1º de dezembro': the first, only before a month's name."""
    return r"(?:" + words + r")(?= (?:de |di )?(?:" + months + r"))", "1"


DECIMAL_COMMA: Rewrite = (r"(\d+),(\d+)", r"\1.\2")
"""'tra 1,5 ore', 'alle 17,30': a comma between digits is a decimal point in every language here."""
_JOIN_PARTS = r"(hours|minutes|days|weeks) "  # "2 ore e 30 minuti": the parts of one duration


def _half_before(match: re.Match[str]) -> str:
    """German 'halb 6' is 5:30."""
    return f"{(int(match.group(1)) - 1) % 12 or 12}:30"


def _japanese_date(match: re.Match[str]) -> str:
    """'12月3日' and '2026年12月3日' as 'december 3' and 'december 3 2026'."""
    year, month_text, day = match.groups()
    month = int(month_text)
    name = ENGLISH_MONTHS[month - 1] if 1 <= month <= 12 else f"month{month}"  # not a month: refused later
    return f" {name} {day} {year or ''} "


def _kanji_number(match: re.Match[str]) -> str:
    """'三' 3, '十二' 12, '二十五' 25: the numbers a time phrase uses, written in kanji."""
    text = match.group(0)
    digits = {char: value for value, char in enumerate("一二三四五六七八九", start=1)}
    if "十" not in text:
        return "".join(str(digits[char]) for char in text)
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return text  # not a number a time is written with: refused later
    return str(10 * digits.get(tens, 1) + digits.get(units, 0))


def _japanese_clock(meridiem: str) -> Callable[[re.Match[str]], str]:
    def clock(match: re.Match[str]) -> str:
        minute = 30 if match.group(3) else int(match.group(2) or 0)
        return f" {match.group(1)}:{minute:02d}{meridiem} "

    return clock


_ITALIAN_NUMBERS = {
    "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10,
    "undici": 11, "dodici": 12, "quindici": 15, "venti": 20, "trenta": 30, "quaranta": 40,
}  # fmt: skip

_SPANISH_NUMBERS = {
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
    "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40,
}  # fmt: skip

_FRENCH_NUMBERS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40,
}  # fmt: skip

_GERMAN_NUMBERS = {
    "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8,
    "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12, "fünfzehn": 15, "zwanzig": 20,
    "dreißig": 30, "dreissig": 30, "vierzig": 40,
}  # fmt: skip

_PORTUGUESE_NUMBERS = {
    "dois": 2, "duas": 2, "três": 3, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8,
    "nove": 9, "dez": 10, "onze": 11, "doze": 12, "quinze": 15, "vinte": 20, "trinta": 30, "quarenta": 40,
}  # fmt: skip

ITALIAN: list[Rewrite] = [
    _numbers(_ITALIAN_NUMBERS),
    _first_of("gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic", "primo|1°|1o"),
    (r"(?:tra|fra|entro) (\d+) or[ae] e mezz[ao]", r"in \1 and a half hours"),
    (r"(alle|ore) (\d{1,2}) e (\d{2})(?! minut)", r"\1 \2:\3"),
    (r"un paio d'? ?ore|un paio di ore", "a couple of hours"),
    (r"un paio di (minuti|giorni)", r"a couple of \1"),
    (r"(?:a |alla )?fine (?:del )?mese", "end of the month"),
    (r"(?:come |per )?prima cosa", "first thing"),
    (r"(?:a |alla )?fine (?:della )?giornata", "end of day"),
    (r"(?:a )?mezzogiorno e mezz[ao]", "12:30"),
    (r"(?:il |nel |questo )?fine ?settimana", "weekend"),
    (r"dopodomani|dopo domani", "day after tomorrow"),
    (r"domattina", "tomorrow morning"),
    (r"domani", "tomorrow"),
    (r"oggi pomeriggio|questo pomeriggio", "this afternoon"),
    (r"oggi", "today"),
    (r"stasera|stanotte|questa sera|questa notte", "tonight"),
    (r"stamattina|stamani|questa mattina", "this morning"),
    (r"(?:del|di|la|al) mattin[oa]|mattin[oa]", "in the morning"),
    (r"(?:del |di |il )?pomeriggio", "in the afternoon"),
    (r"(?:di |la )?sera|(?:di |la )?notte", "in the evening"),
    (r"(?:a )?mezzogiorno", "noon"),
    (r"(?:a )?mezzanotte", "midnight"),
    (_HOUR + r" e mezz[ao]", r"\1:30"),
    (_HOUR + r" e un quarto", r"\1:15"),
    (_HOUR + r" meno un quarto", r"quarter to \1"),
    (r"mezz'? ?ora", "half an hour"),
    (r"un'? ?ora e mezz[ao]", "an hour and a half"),
    (r"un'? ?ora", "an hour"),
    (r"un quarto d'? ?ora", "a quarter of an hour"),
    (r"(?:la )?prossima settimana|(?:la )?settimana prossima", "next week"),
    (r"entro(?= (?:\d|un|mezz))|tra|fra", "in"),
    (r"entro", "by"),
    (r"(?:il |l' ?)(\d{1,2})" + _NOT_A_DAY, r"the \1"),
    (r"(\d+) or[ae](?! ?\d)", r"\1 hours"),  # "2027 ore 10" is a year, then a time
    (r"all'una|alle una", "at 1"),
    (r"verso le|verso l'|verso", "around"),
    (r"(?<!\d )h ?(\d{1,2}(?:[:.]\d{2})?)", r"at \1"),  # "h 18"; in "17 h 30" the h is a separator
    (r"alle ore|alle|all'|ore", "at"),
    (r"minut[oi]", "minutes"),
    (r"(?:il )?giorno (\d{1,2})" + _NOT_A_DAY, r"the \1"),
    (r"giorn[oi]", "days"),
    (r"settiman[ae]", "weeks"),
    (r"mes[ei]", "months"),
    (r"prossim[oa]", "next"),
    (r"quest[oa]", "this"),
    (_JOIN_PARTS + "e", r"\1 and"),
    (r"un[ao]?", "a"),
    (r"il|la|lo|le|di|del|dell'|della", ""),
]
SPANISH: list[Rewrite] = [
    _numbers(_SPANISH_NUMBERS),
    _first_of("ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic", "primero|1°|1o|1ro"),
    (r"esta ma[ñn]ana", "this morning"),
    (r"(?:de|por|en) la ma[ñn]ana", "in the morning"),
    (r"(?:en|dentro de) (\d+) horas? y media", r"in \1 and a half hours"),
    (r"(las?) (\d{1,2}) y (\d{2})", r"\1 \2:\3"),
    (r"un par de (horas|minutos|d[ií]as)", r"a couple of \1"),
    (r"(?:a |al )?(?:fin|final) de(?:l)? mes", "end of the month"),
    (r"(?:a )?primera hora(?: de la ma[ñn]ana)?", "first thing"),
    (r"(?:a |al )?(?:fin|final) del d[ií]a", "end of day"),
    (r"(?:el |este )?fin de semana", "weekend"),
    (r"pasado ma[ñn]ana", "day after tomorrow"),
    (r"ma[ñn]ana", "tomorrow"),
    (r"hoy", "today"),
    (r"esta noche", "tonight"),
    (r"esta tarde", "this afternoon"),
    (r"(?:de|por|en) la tarde", "in the afternoon"),
    (r"de la madrugada", "in the morning"),
    (r"(?:de|por|en) la noche", "in the evening"),
    (r"(?:a |al )?mediod[ií]a", "noon"),
    (r"(?:a )?medianoche", "midnight"),
    (_HOUR + r" y media", r"\1:30"),
    (_HOUR + r" y cuarto", r"\1:15"),
    (_HOUR + r" menos cuarto", r"quarter to \1"),
    (r"media hora", "half an hour"),
    (r"una hora y media", "an hour and a half"),
    (r"una hora", "an hour"),
    (r"un cuarto de hora", "a quarter of an hour"),
    (r"(?:la )?pr[oó]xima semana|(?:la )?semana que viene", "next week"),
    (r"dentro de|en", "in"),
    (r"(in \S+) horas?", r"\1 hours"),
    (r"(?:el )?d[ií]a (\d{1,2})" + _NOT_A_DAY, r"the \1"),
    (_HOUR + r" ?(?:horas|hs)", r"\1h"),
    (r"el (\d{1,2})" + _NOT_A_DAY, r"the \1"),
    (r"a la una", "at 1"),
    (r"sobre las|hacia las", "around"),
    (r"a las|a la", "at"),
    (r"horas?", "hours"),
    (r"minutos?", "minutes"),
    (r"d[ií]as?", "days"),
    (r"semanas?", "weeks"),
    (r"mes(?:es)?", "months"),
    (r"pr[oó]xim[oa]|que viene", "next"),
    (_JOIN_PARTS + "y", r"\1 and"),
    (r"un[ao]?", "a"),
    (r"el|la|de|del", ""),
]
FRENCH: list[Rewrite] = [
    _numbers(_FRENCH_NUMBERS),
    _first_of("janv|f[ée]vr|mars|avr|mai|juin|juil|ao[uû]t|sept|oct|nov|d[ée]c", "1er|premier"),
    (r"dans (\d+) heures? et demie", r"in \1 and a half hours"),
    (_HOUR + r" h (\d{2})", r"\1h\2"),
    (r"(?:[àa] la )?fin (?:du|de ce) mois", "end of the month"),
    (r"(?:[àa] la )?premi[èe]re heure", "first thing"),
    (r"(?:en |[àa] la )?fin de (?:la )?journ[ée]e", "end of day"),
    (r"(?:[àa] )?midi et demie?", "12:30"),
    (r"(?:[àa] )?midi et quart", "12:15"),
    (r"(?:[àa] )?minuit et demie?", "00:30"),
    (r"(?:ce )?(?:week-?end|fin de semaine)", "weekend"),
    (r"apr[eè]s[- ]demain", "day after tomorrow"),
    (r"demain", "tomorrow"),
    (r"aujourd'? ?hui", "today"),
    (r"ce soir|cette nuit", "tonight"),
    (r"ce matin", "this morning"),
    (r"cet apr[eè]s[- ]midi", "this afternoon"),
    (r"du matin|le matin|matin", "in the morning"),
    (r"(?:de |dans )?l'apr[eè]s[- ]midi|apr[eè]s[- ]midi", "in the afternoon"),
    (r"du soir|le soir|soir", "in the evening"),
    (r"(?:[àa] )?midi", "noon"),
    (r"(?:[àa] )?minuit", "midnight"),
    (_HOUR + r" ?h(?:eures?)? et demie", r"\1:30"),
    (_HOUR + r" ?h(?:eures?)? et quart", r"\1:15"),
    (_HOUR + r" ?h(?:eures?)? moins (?:le )?quart", r"quarter to \1"),
    (r"une demi[- ]heure", "half an hour"),
    (r"une heure et demie", "an hour and a half"),
    (r"une heure", "an hour"),
    (r"un quart d'? ?heure", "quarter of an hour"),
    (r"(?:la )?semaine prochaine|(?:la )?prochaine semaine", "next week"),
    (r"dans", "in"),
    (r"le (\d{1,2})" + _NOT_A_DAY, r"the \1"),
    (r"(in \S+) heures?", r"\1 hours"),
    (_HOUR + r" ?heures? ?(\d{2})", r"\1h\2"),
    (_HOUR + r" ?heures?", r"\1h"),
    (r"heures?", "hours"),
    (r"jours?", "days"),
    (r"semaines?", "weeks"),
    (r"mois", "months"),
    (r"vers|environ", "around"),
    (r"[àa](?! half)", "at"),
    (r"prochaine?", "next"),
    (_JOIN_PARTS + "et", r"\1 and"),
    (r"un|une", "a"),
    (r"le|la|l'|du|de", ""),
]
GERMAN: list[Rewrite] = [
    _numbers(_GERMAN_NUMBERS),
    (r"(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag) ?(morgen|vormittag)", r"\1 in the morning"),
    (r"(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag) ?(nachmittag)", r"\1 in the afternoon"),
    (r"(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag) ?(abend|nacht)", r"\1 in the evening"),
    (
        r"(\d+|zwei|drei|vier|fünf|fuenf) ?einhalb",
        lambda m: f"{_GERMAN_NUMBERS.get(m.group(1), m.group(1))} and a half",
    ),
    (r"(?:zum |am )?monatsende|(?:zum |am )?ende des monats", "end of the month"),
    (r"(?:gleich )?als erstes", "first thing"),
    (r"(?:zum |bei |nach )?feierabend|(?:zum |am )?ende des tages", "end of day"),
    (r"drei ?viertel " + _HOUR, r"quarter to \1"),
    (r"std\.?", "hours"),
    (r"(?:am |dieses |diesem |n[äa]chstes )?wochenende", "weekend"),
    (r"[üu]bermorgen|uebermorgen", "day after tomorrow"),
    (r"heute morgen|heute fr[üu]h", "this morning"),
    (r"morgen fr[üu]h", "tomorrow morning"),
    (r"heute abend|heute nacht", "tonight"),
    (r"heute nachmittag", "this afternoon"),
    (r"morgen", "tomorrow"),
    (r"heute", "today"),
    (r"abends|am abend|abend", "in the evening"),
    (r"nachmittags|am nachmittag|nachmittag", "in the afternoon"),
    (r"vormittags|am vormittag|vormittag|morgens|fr[üu]h", "in the morning"),
    (r"nachts|nacht", "in the evening"),
    (r"(?:um |am )?mittag", "noon"),
    (r"(?:um )?mitternacht", "midnight"),
    (r"halb " + _HOUR, _half_before),
    (r"viertel nach " + _HOUR, r"quarter past \1"),
    (r"viertel vor " + _HOUR, r"quarter to \1"),
    (r"einer halben stunde|eine halbe stunde|halbe stunde", "half an hour"),
    (r"anderthalb stunden|eineinhalb stunden", "an hour and a half"),
    (r"einer stunde|eine stunde", "an hour"),
    (r"einer viertelstunde|eine viertelstunde|viertelstunde", "a quarter of an hour"),
    (_HOUR + r" uhr (\d{2})", r"\1:\2"),
    (r"uhr", "o'clock"),
    (r"n[äa]chste woche|naechste woche|kommende woche", "next week"),
    (r"stunden?", "hours"),
    (r"minuten?", "minutes"),
    (r"tag(?:en?)?", "days"),
    (r"wochen?", "weeks"),
    (r"monat(?:en?)?", "months"),
    (r"gegen|ca\.?|etwa", "around"),
    (r"um", "at"),
    (r"am", "on"),
    (r"n[äa]chste[nrm]?|naechste[nrm]?|kommende[nrm]?", "next"),
    (_JOIN_PARTS + "und", r"\1 and"),
    (r"einer?m?|ein", "a"),
    (r"der|den|dem|die|das", ""),
]
PORTUGUESE: list[Rewrite] = [
    _numbers(_PORTUGUESE_NUMBERS),
    _first_of("jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez", "primeiro|1o|1°"),
    (r"(?:daqui a|daqui|dentro de|em) (\d+) horas? e meia", r"in \1 and a half hours"),
    (r"(?:no |ao )?(?:fim|final) do m[êe]s", "end of the month"),
    (r"(?:na |à |a )?primeira hora(?: da manh[ãa])?", "first thing"),
    (r"(?:no |ao )?(?:fim|final) do dia", "end of day"),
    (r"(?:no |neste |este )?fim de semana", "weekend"),
    (r"depois de amanh[ãa]", "day after tomorrow"),
    (r"(?:de|da|pela) manh[ãa]|(?:da|de) madrugada", "in the morning"),
    (r"amanh[ãa]", "tomorrow"),
    (r"hoje [àa] noite|esta noite|hoje de noite", "tonight"),
    (r"hoje [àa] tarde|esta tarde", "this afternoon"),
    (r"hoje de manh[ãa]|esta manh[ãa]", "this morning"),
    (r"hoje", "today"),
    (r"(?:da|à|a|de) tarde", "in the afternoon"),
    (r"(?:da|à|a|de) noite", "in the evening"),
    (r"(?:ao )?meio[- ]dia e meia", "12:30"),
    (r"(?:ao )?meio[- ]dia", "noon"),
    (r"meia[- ]noite", "midnight"),
    (_HOUR + r"(?:h| horas?)? e meia", r"\1:30"),
    (r"meia hora", "half an hour"),
    (r"uma hora e meia", "an hour and a half"),
    (r"uma hora", "an hour"),
    (r"um quarto de hora", "quarter of an hour"),
    (r"(?:a )?pr[óo]xima semana|(?:a )?semana que vem", "next week"),
    (r"daqui a|daqui|dentro de|em", "in"),
    (r"(?:o )?dia (\d{1,2}[/.-]\d{1,2})", r"\1"),
    (r"(?:o )?dia (\d{1,2})(?:o|°)?" + _NOT_A_DAY, r"the \1"),
    (r"(in \S+) horas?", r"\1 hours"),
    (_HOUR + r" ?(?:horas?|hs)", r"\1h"),
    (r"horas?", "hours"),
    (r"minutos?", "minutes"),
    (r"dias?", "days"),
    (r"semanas?", "weeks"),
    (r"m[eê]s(?:es)?", "months"),
    (r"por volta das?|cerca das?", "around"),
    (r"à|às|as|ao|a(?! half)", "at"),
    (r"pr[óo]xim[oa]|que vem", "next"),
    (_JOIN_PARTS + "e", r"\1 and"),
    (r"um|uma", "a"),
    (r"o|de|do|da|no|na", ""),
]
JAPANESE: list[Rewrite] = [
    (r"[一二三四五六七八九十]+(?=[時分日週かヶケ月])", _kanji_number),
    (r"元日|元旦", " new year's day "),
    (r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日", _japanese_date),
    (r"(\d+)時間(\d+)分後", r" in \1 hours \2 minutes "),
    (r"(\d+)時間半後", r" in \1 and a half hours "),
    (r"(\d+)時間後", r" in \1 hours "),
    (r"(\d+)分後", r" in \1 minutes "),
    (r"(\d+)日後", r" in \1 days "),
    (r"来月(?=\d{1,2}日)", " next month "),
    (r"(\d{1,2})日(?![後間])", r" the \1 "),  # after "12月3日" was read: a day of the month alone
    (r"(\d+)週間後", r" in \1 weeks "),
    (r"(\d+)[かヶケ]月後", r" in \1 months "),
    (r"午後(\d{1,2})時(?:(\d{1,2})分|(半))?", _japanese_clock("pm")),
    (r"午前(\d{1,2})時(?:(\d{1,2})分|(半))?", _japanese_clock("am")),
    (r"(\d{1,2})時半", r" \1:30 "),
    (r"(\d{1,2})時(\d{1,2})分", lambda match: f" {match.group(1)}:{int(match.group(2)):02d} "),
    (r"(\d{1,2})時", r" at \1 "),
    (r"月末", " end of the month "),
    (r"朝一番|朝一|朝イチ", " first thing "),
    (r"週末", " weekend "),
    (r"明後日|あさって", " day after tomorrow "),
    (r"明日|あした|あす", " tomorrow "),
    (r"今日|きょう", " today "),
    (r"今夜|今晩", " tonight "),
    (r"今朝", " this morning "),
    (r"正午", " noon "),
    (r"お?昼(?= *(?:at )?\d)", " in the afternoon "),  # the clock rules ran: "昼12時" is now "昼 at 12"
    (r"お昼|昼", " noon "),
    (r"真夜中", " midnight "),
    (r"来週", " next week "),
    (r"朝", " in the morning "),
    (r"午後", " in the afternoon "),
    (r"夕方|夜", " in the evening "),
    (r"頃|ごろ|くらい", " around "),
    *((day + r"曜日?", f" {name} ") for day, name in zip("月火水木金土日", ENGLISH_WEEKDAYS, strict=True)),
    (r"[のにで、]", " "),
]
LEXICONS: dict[str, list[Rewrite]] = {
    "it": ITALIAN,
    "es": SPANISH,
    "fr": FRENCH,
    "de": GERMAN,
    "pt": PORTUGUESE,
    "ja": JAPANESE,
}
"""Per language; the last rule of each word-spaced language drops articles, after weekday names are read."""
