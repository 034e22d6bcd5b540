"""Time words as one table: each concept once, with its English and its words in every language read.

The English column is what the reading rules take; the other columns are what people type. Rewrites are
built from this table (`languages.py`): adding a language is adding a column. Words are written plainly,
with a little notation: `(a|b)` either, `[a|b]` optionally either, `{h}` a slot (an hour, minutes, a
count, a day of the month, a weekday or month name: see `languages.SLOTS`), and the rare `(?=...)`/`(?!...)`
to say what must or must not follow. Each word is also read without its accents (`manana` for `mañana`),
and German `ä`, `ö`, `ü`, `ß` also as `ae`, `oe`, `ue`, `ss`. Weekday and month names come from dateparser.

Where two words could both be read at one place, the longer is (`pasado mañana` before `mañana`), so the
order of rows carries no meaning; a word's English is never read again by another word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

Slots = Mapping[str, str]
English = str | Callable[[Slots], str]
LANGUAGES = ("en", "it", "es", "fr", "de", "pt", "ja")
KEEP = "(kept as typed)"
"""The English of words that are not about time: left as typed, for the rule that leaves them out."""


@dataclass(frozen=True)
class Concept:
    name: str
    english: English
    words: Mapping[str, tuple[str, ...]]


def concept(name: str, english: English, **words: tuple[str, ...]) -> Concept:
    if unknown := set(words) - set(LANGUAGES):
        raise ValueError(f"no such language: {sorted(unknown)}")
    return Concept(name, english, words)


def _half_before(slots: Slots) -> str:
    """German 'halb 6' is 5:30."""
    return f"{(int(slots['h']) - 1) % 12 or 12}:30"


def _around_noon(slots: Slots) -> str:
    """German 'um 1 Uhr mittags' is 13:00, 'um 11 Uhr mittags' 11:00; other hours are not at midday."""
    hour = int(slots["h"])
    if 10 <= hour <= 11:
        return f"{hour}am"
    if hour == 12 or 1 <= hour <= 3:
        return f"{hour}pm"
    return f"{hour}:00" if 12 <= hour <= 15 else f"{hour} mittags"


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")  # fmt: skip


def _japanese_date(slots: Slots) -> str:
    """'12月3日' and '2026年12月3日' as 'december 3' and 'december 3 2026'."""
    month = int(slots["mo"])
    name = _MONTHS[month - 1] if 1 <= month <= 12 else f"month{month}"  # not a month: refused later
    return f"{name} {slots['d']} {slots.get('y') or ''}"


_AT = "(a las|a la)"  # Spanish "at", before an hour
CONCEPTS = (
    # --- days -------------------------------------------------------------------------------------------
    concept("tomorrow", "tomorrow",
            en=("tmw", "2moro", "2morow", "2morrow", "tomorow", "tommorow", "tommorrow", "tomorroww", "tomrrow",
                "tomoro"),
            it=("domani",), es=("mañana",), fr=("demain",), de=("morgen",), pt=("amanhã",),
            ja=("明日", "あした", "あす")),
    concept("the day after tomorrow", "day after tomorrow",
            it=("dopodomani", "dopo domani"), es=("pasado mañana",), fr=("après-demain", "après demain"),
            de=("übermorgen",), pt=("depois de amanhã",), ja=("明後日", "あさって")),
    concept("today", "today",
            it=("oggi",), es=("hoy",), fr=("aujourd'hui", "aujourd' hui", "aujourdhui"), de=("heute",), pt=("hoje",),
            ja=("今日", "きょう")),
    concept("tonight", "tonight",
            en=("tonite", "2nite", "2night"),
            it=("stasera", "stanotte", "questa sera", "questa notte"), es=("esta noche",),
            fr=("ce soir", "cette nuit"), de=("heute abend", "heute nacht"),
            pt=("hoje à noite", "esta noite", "hoje de noite"), ja=("今夜", "今晩")),
    concept("this morning", "this morning",
            it=("stamattina", "stamani", "questa mattina"), es=("esta mañana",), fr=("ce matin",),
            de=("heute morgen", "heute früh"), pt=("hoje de manhã", "esta manhã"), ja=("今朝",)),
    concept("this afternoon", "this afternoon",
            it=("oggi pomeriggio", "questo pomeriggio"), es=("esta tarde",), fr=("cet après-midi", "cet après midi"),
            de=("heute nachmittag",), pt=("hoje à tarde", "esta tarde")),
    concept("tomorrow morning", "tomorrow morning", it=("domattina",), de=("morgen früh",)),
    concept("the end of the month", "end of the month",
            it=("[a |alla ]fine [del ]mese",), es=("[a |al ](fin|final) (de|del) mes",),
            fr=("[à la ]fin (du|de ce) mois",), de=("[zum |am ]monatsende", "[zum |am ]ende des monats"),
            pt=("[no |ao ](fim|final) do mês",), ja=("月末",)),
    concept("the weekend (refused: two days)", "weekend",
            it=("[il |nel |questo ](fine settimana|finesettimana)",), es=("[el |este ]fin de semana",),
            fr=("[ce ](week-end|weekend|fin de semaine)",), de=("[am |dieses |diesem |nächstes ]wochenende",),
            pt=("[no |neste |este ]fim de semana",), ja=("週末",)),
    concept("next week", "next week",
            it=("prossima settimana", "settimana prossima"), es=("próxima semana", "semana que viene"),
            fr=("semaine prochaine", "prochaine semaine"),
            de=("nächste woche", "nächsten woche", "nächster woche", "kommende woche", "kommenden woche"),
            pt=("próxima semana", "semana que vem"), ja=("来週",)),
    concept("this week", "this week",
            it=("questa settimana",), es=("esta semana",), fr=("cette semaine",), de=("diese woche", "dieser woche"),
            pt=("esta semana", "nesta semana", "desta semana", "dessa semana"), ja=("今週",)),
    concept("next month", "next month", ja=("来月(?=\\d{1,2}日)",)),
    concept("the first, before a month's name", "1 {mon}",
            it=("(primo|1°|1o) [di ]{mon}",), es=("(primero|1°|1o|1ro) [de ]{mon}",), fr=("(1er|premier) {mon}",),
            pt=("(primeiro|1o|1°) [de ]{mon}",)),
    concept("a day of the month", "the {d}",
            it=("(il|l') {d}", "l'{d}", "[il ]giorno {d}"), es=("el {d}", "[el ]día {d}"), fr=("le {d}",),
            pt=("[o ]dia {d}[o|°]",), ja=("{d}日(?![後間])",)),
    concept("a numeric date after 'dia'", "{dm}", pt=("[o ]dia {dm}",)),
    concept("a date", _japanese_date, ja=("[{y}年]{mo}月{d}日",)),
    concept("new year's day", "new year's day", ja=("元日", "元旦")),
    # --- parts of the day ----------------------------------------------------------------------------------
    concept("in the morning", "in the morning",
            it=("[del |di |la |al |della |nella ]mattin(o|a)", "in mattinata"),
            es=("(de|por|en) la mañana", "(de|en|por) la madrugada", "de madrugada"),
            fr=("(du|le) matin", "matin", "dans la matinée", "en matinée"),
            de=("morgens", "vormittags", "am vormittag", "vormittag", "am morgen", "früh", "in der früh"),
            pt=("(de|da|pela) manhã", "(da|de) madrugada"), ja=("朝",)),
    concept("in the afternoon", "in the afternoon",
            it=("[del |di |il |nel ]pomeriggio",), es=("(de|por|en|a) la tarde",),
            fr=("[de |dans ]l'après-midi", "[de |dans ]l'après midi", "après-midi", "après midi"),
            de=("nachmittags", "am nachmittag", "nachmittag"), pt=("(da|à|a|de|pela) tarde",), ja=("午後",)),
    concept("in the afternoon, before an hour", "in the afternoon", ja=("(お昼|昼)(?= ?\\d)",)),
    concept("in the evening, or at night", "in the evening",
            it=("[di |la |della |in ]sera", "in serata", "[di |la |della |nella ]notte"),
            es=("(de|por|en|a) la noche",),
            fr=("(du|le) soir", "soir", "dans la soirée", "en soirée", "(de|dans) la nuit"),
            de=("abends", "am abend", "abend", "nachts", "nacht", "in der nacht"),
            pt=("(da|à|a|de|pela) noite",), ja=("夕方", "夜")),
    concept("a weekday in the morning", "{wd} in the morning", de=("{wd}[ ](morgen|vormittag)",)),
    concept("a weekday in the afternoon", "{wd} in the afternoon", de=("{wd}[ ]nachmittag",)),
    concept("a weekday in the evening", "{wd} in the evening", de=("{wd}[ ](abend|nacht)",)),
    concept("an hour at midday", _around_noon, de=("{h} [uhr ]mittags",)),
    # --- times of day --------------------------------------------------------------------------------------
    concept("noon", "noon",
            it=("[a ]mezzogiorno", "mezzodì"), es=("[a |al ]mediodía",), fr=("[à ]midi",),
            de=("[um |am ]mittag", "mittags", "zu mittag"), pt=("[ao ]meio-dia", "[ao ]meio dia"),
            ja=("正午", "お昼", "昼")),
    concept("midnight", "midnight",
            it=("[a ]mezzanotte",), es=("[a ]medianoche",), fr=("[à ]minuit",), de=("[um ]mitternacht",),
            pt=("meia-noite", "meia noite"), ja=("真夜中",)),
    concept("half past noon", "12:30",
            it=("[a ]mezzogiorno e mezz(a|o)",), es=("[a |al ]mediodía y media",), fr=("[à ]midi et demie",
            "[à ]midi et demi"), pt=("[ao ](meio-dia|meio dia) e meia",)),
    concept("quarter past noon", "12:15", it=("[a ]mezzogiorno e un quarto",), fr=("[à ]midi et quart",)),
    concept("half past midnight", "00:30",
            it=("[a ]mezzanotte e mezz(a|o)",), es=("[a ]medianoche y media",),
            fr=("[à ]minuit et demie", "[à ]minuit et demi")),
    concept("first thing", "first thing",
            it=("[come |per ]prima cosa",), es=("[a ]primera hora[ de la mañana]",), fr=("[à la ]première heure",),
            de=("[gleich ]als erstes",), pt=("[na |à |a ]primeira hora[ da manhã]",), ja=("朝一番", "朝一", "朝イチ")),
    concept("end of day", "end of day",
            it=("[a |alla ]fine [della ]giornata",), es=("[a |al ](fin|final) del día",),
            fr=("[en |à la ]fin de [la ]journée",),
            de=("[zum |bei |nach ]feierabend", "[zum |am ]ende des tages"), pt=("[no |ao ](fim|final) do dia",)),
    concept("half past an hour", "{h}:30",
            it=("{h} e mezz(a|o)",), es=("{h} y media",), fr=("{h}[ ][h |heure |heures ]et demie",),
            pt=("{h}[h| hora| horas] e meia",), ja=("{h}時半",)),
    concept("half an hour before an hour", _half_before, de=("halb {h}",)),
    concept("quarter past an hour", "{h}:15",
            it=("{h} e un quarto",), es=("{h} y cuarto",), fr=("{h}[ ][h |heure |heures ]et quart",),
            pt=("{h} e um quarto",)),
    concept("quarter past, before an hour", "quarter past {h}", de=("viertel nach {h}",)),
    concept("quarter to an hour", "quarter to {h}",
            it=("{h} meno [un ]quarto",), es=("{h} menos cuarto",), fr=("{h}[ ][h |heure |heures ]moins [le ]quart",),
            de=("viertel vor {h}", "(dreiviertel|drei viertel|3 viertel) {h}"),
            pt=("(um quarto|15) para [as |a ]{h}",)),
    concept("minutes past an hour", "{mn} minutes past {h}", de=("{mn} nach {h}",)),
    concept("minutes to an hour", "{mn} minutes to {h}",
            it=("{h} meno {mn}",), es=("{h} menos {mn}",), fr=("{h}[ ][h |heure |heures ]moins {mn}",),
            de=("{mn} vor {h}",), pt=("{mn} para [as |a ]{h}",), ja=("{h}時{mn}分前",)),
    concept("an hour and minutes", "{h}:{mi}", it=("{h} h {mi}",), de=("{h} uhr {mi}",), ja=("{h}時{mi}分[過ぎ]",)),
    concept("an hour and minutes, said with 'and'", "{h}:{m}", es=("{h} y {m}",), pt=("{h} e {m}",)),
    concept("at an hour and minutes", "at {h}:{m}", it=("(alle|ore) {h} e {m}",), es=(_AT + " {h} y {m}",)),
    concept("an hour and minutes, with h", "{h}h{mi}",
            fr=("{h} h {mi}", "{h}[ ](heure|heures)[ ]{mi}")),
    concept("an hour, with h", "{h}h", es=("{h}[ ](horas|hs)",), fr=("{h}[ ](heure|heures)",),
            pt=("{h}[ ](hora|horas|hs)",)),
    concept("an hour, after h", "at {t}", it=("h[ ]{t}",)),
    concept("at an hour", "at {h}", ja=("{h}時",)),
    concept("in the afternoon, at an hour", "{h}:{mi}pm", ja=("午後{h}時{mi}分",)),
    concept("half past, in the afternoon", "{h}:30pm", ja=("午後{h}時半",)),
    concept("an hour in the afternoon", "{h}:00pm", ja=("午後{h}時",)),
    concept("in the morning, at an hour", "{h}:{mi}am", ja=("午前{h}時{mi}分",)),
    concept("half past, in the morning", "{h}:30am", ja=("午前{h}時半",)),
    concept("an hour in the morning", "{h}:00am", ja=("午前{h}時",)),
    concept("at one", "at 1", it=("all'una", "alle una"), es=("a la una",)),
    concept("o'clock", "o'clock", de=("uhr",)),
    # --- durations -----------------------------------------------------------------------------------------
    concept("in (a duration ahead)", "in",
            it=("tra", "fra", "entro(?= (?:\\d|un|mezz))"), es=("en", "dentro de"),
            fr=("dans", "en(?= (?:\\d|une |un ))"), pt=("daqui a", "daqui", "dentro de", "em")),
    concept("in hours", "in {n} hours",
            es=("(en|dentro de) {n} (hora|horas)",), fr=("dans {n} (heure|heures)",),
            pt=("(daqui a|daqui|dentro de|em) {n} (hora|horas)",), ja=("{n}時間後",)),
    concept("in hours and a half", "in {n} and a half hours",
            es=("(en|dentro de) {n} (hora|horas) y media",), fr=("dans {n} (heure|heures) et demie",),
            pt=("(daqui a|daqui|dentro de|em) {n} (hora|horas) e meia",), ja=("{n}時間半後",)),
    concept("hours and a half", "{n} and a half hours",
            it=("{n} (ora|ore) e (mezza|mezzo)",), es=("{n} (hora|horas) y media",),
            fr=("{n} (heure|heures) et demie",), pt=("{n} (hora|horas) e meia",)),
    concept("and a half", "{n} and a half", de=("{n}[ ]einhalb",)),
    concept("later (from now)", "later",
            it=("più tardi",), es=("más tarde",), fr=("plus tard",), de=("später",), pt=("mais tarde",)),
    concept("from now", "from now",
            it=("da adesso", "da ora", "a partire da ora", "a partire da adesso"),
            es=("a partir de ahora", "desde ahora"), fr=("à partir de maintenant",),
            de=("ab jetzt", "von jetzt an"), pt=("a partir de agora",)),
    concept("from now, said first", "", ja=("今から",)),
    concept("half an hour", "half an hour",
            it=("mezz['][ ]ora",), es=("media hora",), fr=("une demi-heure", "une demi heure"),
            de=("[einer |eine ](halben|halbe) stunde",), pt=("meia hora",)),
    concept("an hour and a half", "an hour and a half",
            it=("un['][ ]ora e mezz(a|o)",), es=("una hora y media",), fr=("une heure et demie",),
            pt=("uma hora e meia",)),
    concept("an hour", "an hour",
            it=("un['][ ]ora",), es=("una hora",), fr=("une heure",), de=("(einer|eine) stunde",), pt=("uma hora",)),
    concept("a quarter of an hour", "a quarter of an hour",
            it=("un quarto (d'|d' |d|d |di )ora",), es=("un cuarto de hora",),
            fr=("un quart (d'|d' |d )heure",), de=("[einer |eine ]viertelstunde",), pt=("um quarto de hora",)),
    concept("three quarters of an hour", "three-quarters of an hour",
            it=("3 quarti (d'|d' |d |di )ora",), es=("3 cuartos de hora",),
            fr=("3 quarts (d'|d' |d )heure",), de=("[einer |eine ]dreiviertelstunde", "3 viertelstunden"),
            pt=("3 quartos de hora",)),
    concept("a couple of hours", "a couple of hours", it=("un paio (d'ore|d' ore|di ore)",)),
    concept("a couple of", "a couple of", it=("un paio di",), es=("un par de",)),
    concept("a few", "a few",
            it=("qualche",), es=("unos", "unas", "algunos", "algunas"), fr=("quelques",), de=("ein paar", "einige"),
            pt=("alguns", "algumas", "uns", "umas")),
    concept("about a number", "around {n}", es=("(unos|unas) {n}",), pt=("(uns|umas) {n}",)),
    concept("in hours and minutes", "in {n} hours {mn} minutes", ja=("{n}時間{mn}分後",)),
    concept("in minutes", "in {n} minutes", ja=("{n}分後",)),
    concept("in days", "in {n} days", ja=("{n}日後",)),
    concept("in weeks", "in {n} weeks", ja=("{n}週間後",)),
    concept("in months", "in {n} months", ja=("{n}(か|ヶ|ケ)月後",)),
    concept("in a few minutes", "in a few minutes", ja=("数分後",)),
    concept("in a few hours", "in a few hours", ja=("数時間後",)),
    concept("in a few days", "in a few days", ja=("数日後",)),
    concept("hours, after a number", "{n} hours", it=("{n} (ora|ore)",)),
    concept("hours", "hours",
            es=("hora", "horas"), fr=("heure", "heures"), de=("stunde", "stunden", "std.", "std"),
            pt=("hora", "horas")),
    concept("minutes", "minutes", it=("minuto", "minuti"), es=("minuto", "minutos"), de=("minute", "minuten"),
            pt=("minuto", "minutos")),
    concept("days", "days", it=("giorno", "giorni"), es=("día", "días"), fr=("jour", "jours"),
            de=("tag", "tage", "tagen"), pt=("dia", "dias")),
    concept("weeks", "weeks", it=("settimana", "settimane"), es=("semana", "semanas"), fr=("semaine", "semaines"),
            de=("woche", "wochen"), pt=("semana", "semanas")),
    concept("months", "months", it=("mese", "mesi"), es=("mes", "meses"), fr=("mois",),
            de=("monat", "monate", "monaten"), pt=("mês", "meses")),
    # --- small words ---------------------------------------------------------------------------------------
    concept("at", "at",
            it=("alle ore", "alle", "all'", "ore"), es=(_AT,), fr=("à(?! half)",), de=("um",),
            pt=("à(?! half)", "às", "ao", "as", "a(?! half)")),
    concept("on (a day)", "on", de=("am",)),
    concept("by", "by", it=("entro",)),
    concept("around (a hedge)", "around",
            it=("verso", "verso le", "verso l'", "circa"), es=("(sobre|hacia|como a|a eso de) las", "alrededor de las"),
            fr=("vers", "environ"), de=("gegen", "ca.", "ca", "etwa", "ungefähr"),
            pt=("por volta (da|das)", "cerca (da|das|de)"), ja=("頃", "ごろ", "くらい", "ぐらい")),
    concept("next", "next",
            it=("prossimo", "prossima"), es=("próximo", "próxima", "que viene"), fr=("prochain", "prochaine"),
            de=("nächste", "nächsten", "nächster", "nächstem", "kommende", "kommenden", "kommender", "kommendem"),
            pt=("próximo", "próxima", "que vem")),
    concept("this", "this", it=("questo", "questa"), es=("este", "esta"), fr=("ce", "cette"),
            pt=("este", "esta", "neste", "nesta")),
    concept("and (between the parts of a duration)", "and", it=("e",), es=("y",), fr=("et",), de=("und",),
            pt=("e",)),
    concept("a (one)", "a",
            it=("un", "una", "uno"), es=("un", "una", "uno"), fr=("un", "une"), de=("ein", "eine", "einer", "einem"),
            pt=("um", "uma")),
    concept("articles and particles (dropped)", "",
            it=("il", "la", "lo", "le", "di", "del", "dell'", "della"), es=("el", "la", "los", "las", "de", "del"),
            fr=("le", "la", "l'", "du", "de"), de=("der", "den", "dem", "die", "das"),
            pt=("o", "de", "do", "da", "no", "na"), ja=("の", "に", "で", "は", "、")),
    # --- words that are not about time: left as typed, then left out, and shown in the confirmation -------------
    concept("not about time", KEEP,
            en=("meeting", "a meeting", "the meeting", "our meeting", "let's meet", "lets meet", "let us meet", "meet",
                "something", "call", "a call", "sync", "appointment", "reminder", "remind me", "remind them",
                "send it", "send", "schedule it", "schedule", "please", "pls", "plz"),
            it=("riunione", "la riunione", "una riunione", "appuntamento", "incontro", "ci vediamo", "vediamoci",
                "chiamata", "promemoria", "per favore", "invia", "manda", "qualcosa"),
            es=("reunión", "la reunión", "una reunión", "cita", "nos vemos", "quedamos", "llamada", "recordatorio",
                "por favor", "envía", "enviar", "algo"),
            fr=("rdv", "rendez-vous", "rendez vous", "réunion", "la réunion", "une réunion", "on se voit",
                "on se retrouve", "appel", "rappel", "s'il te plaît", "s'il vous plaît", "stp", "svp", "envoyer",
                "quelque chose"),
            de=("termin", "treffen", "besprechung", "meeting", "wir treffen uns", "treffen wir uns", "anruf",
                "erinnerung", "bitte", "senden", "schicken", "etwas"),
            pt=("reunião", "a reunião", "uma reunião", "encontro", "compromisso", "a gente se vê", "nos vemos",
                "ligação", "lembrete", "por favor", "enviar", "mandar", "algo"),
            ja=("会議", "打ち合わせ", "ミーティング", "待ち合わせ", "予定", "リマインド", "お願いします", "送信")),
)  # fmt: skip

NUMBERS: Mapping[str, Mapping[str, float]] = {
    "it": {"due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10,
           "undici": 11, "dodici": 12, "quindici": 15, "venti": 20, "trenta": 30, "quaranta": 40},
    "es": {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
           "once": 11, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30, "cuarenta": 40},
    "fr": {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
           "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40},
    "de": {"eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
           "zehn": 10, "elf": 11, "zwölf": 12, "fünfzehn": 15, "zwanzig": 20, "dreißig": 30, "vierzig": 40,
           "anderthalb": 1.5, "eineinhalb": 1.5, "zweieinhalb": 2.5, "dreieinhalb": 3.5, "viereinhalb": 4.5,
           "fünfeinhalb": 5.5},
    "pt": {"dois": 2, "duas": 2, "três": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8, "nove": 9,
           "dez": 10, "onze": 11, "doze": 12, "quinze": 15, "vinte": 20, "trinta": 30, "quarenta": 40},
}  # fmt: skip
"""Number words, read as digits before the table's words: 'tra due ore' is read as 'tra 2 ore'."""

JAPANESE_WEEKDAYS = ("月曜[日]", "火曜[日]", "水曜[日]", "木曜[日]", "金曜[日]", "土曜[日]", "日曜[日]")
"""Monday first; dateparser has no Japanese weekday names that fit a phrase without spaces."""
