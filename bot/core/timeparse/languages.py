"""Rewrites built from the table of words: a phrase in the user's language, in the English the rules read.

A language's rewrite is two passes: its number words as digits (so its words can have number slots), then
all its words at once, the longest that fits at each place, each replaced by its English, which is never
read again. English itself is a column: its misspellings ('tmrw', 'tonite') are rewritten the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from dateparser.languages.loader import default_loader

from bot.core.timeparse.dates import ENGLISH_WEEKDAYS, month_names, plain
from bot.core.timeparse.values import longest_first
from bot.core.timeparse.words import CONCEPTS, JAPANESE_WEEKDAYS, KEEP, NUMBERS, English

READ = ("it", "es", "fr", "de", "pt", "ja")
"""Languages read besides English, by Slack locale (`it-IT`, `es-ES`, `fr-FR`, `de-DE`, `pt-BR`, `ja-JP`)."""
_UNSPACED = frozenset({"ja"})  # words are not separated by spaces: no word boundaries, spaces around the English


def _as_written(text: str) -> str:
    return text


SLOTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "h": (r"(?<!\d)\d{1,2}(?!\d)", _as_written),  # an hour ("09" stays a 24-hour time)
    "m": (r"(?<!\d)\d{2}(?!\d)", _as_written),  # minutes, two digits
    "mi": (r"(?<!\d)\d{1,2}(?!\d)", lambda text: f"{int(text):02d}"),  # minutes, one or two digits
    "mn": (r"(?<!\d)\d{1,2}(?!\d)", _as_written),  # a number of minutes
    "n": (r"(?<![\d.])\d{1,3}(?:\.\d+)?(?!\d)", _as_written),  # a count (a year is no count: "2027 ore 10")
    "d": (r"(?<!\d)\d{1,2}(?![\d:.h/-])", _as_written),  # a day of the month (not "3/12", "3h", "3:00")
    "t": (r"(?<!\d)\d{1,2}(?:[:.]\d{2})?(?!\d)", _as_written),  # a clock time
    "dm": (r"(?<!\d)\d{1,2}[/.-]\d{1,2}(?!\d)", _as_written),  # a day and month
    "y": (r"(?<!\d)\d{4}(?!\d)", _as_written),  # a year
    "mo": (r"(?<!\d)\d{1,2}(?!\d)", _as_written),  # a month's number
}
_GERMAN_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_DECIMAL_COMMA = r"(?<!\d)(\d+),(\d+)"  # 'tra 1,5 ore', 'alle 17,30': a decimal point in every language here
_NOT_WEEKDAYS = frozenset({"die", "mit"})  # German words that dateparser also lists as weekday abbreviations


@dataclass(frozen=True)
class _Word:
    pattern: str  # a regular expression, its slots named `<group>_<slot>`
    english: English
    slots: tuple[str, ...]
    shortest: int  # the fewest characters it can match: longer words are tried first
    first: frozenset[str]  # the characters it can start with


@dataclass(frozen=True)
class _Part:
    pattern: str
    shortest: int
    first: frozenset[str]
    optional: bool  # may match nothing


_DIGITS = frozenset("0123456789")


class _Template:
    """One word of the table as a regular expression (see `words.py` for the notation)."""

    def __init__(self, text: str, group: str, slot_patterns: dict[str, tuple[str, frozenset[str]]]) -> None:
        self.text, self.position, self.group, self.slot_patterns = text, 0, group, slot_patterns
        self.slots: list[str] = []

    def compile(self) -> _Part:
        part = self._sequence(end="")
        if self.position != len(self.text) or part.optional:
            raise ValueError(f"“{self.text}” is unbalanced, or may match nothing")
        return part

    def _sequence(self, end: str) -> _Part:
        """Characters until `end` or '|'."""
        parts: list[_Part] = []
        while self.position < len(self.text) and self.text[self.position] not in end + "|":
            parts.append(self._item())
        first: set[str] = set()
        for part in parts:
            first |= part.first
            if not part.optional:
                break
        return _Part(
            "".join(part.pattern for part in parts),
            sum(part.shortest for part in parts),
            frozenset(first),
            all(part.optional for part in parts),
        )

    def _item(self) -> _Part:
        char = self.text[self.position]
        if self.text.startswith("(?", self.position):  # a lookahead, as written
            start, depth = self.position, 0
            while self.position == start or depth:
                depth += {"(": 1, ")": -1}.get(self.text[self.position], 0)
                self.position += 1
            return _Part(self.text[start : self.position], 0, frozenset(), optional=True)
        if char in "([":
            self.position += 1
            alternatives = [self._sequence(end=")]")]
            while self.text[self.position] == "|":
                self.position += 1
                alternatives.append(self._sequence(end=")]"))
            self.position += 1
            return _Part(
                "(?:" + "|".join(part.pattern for part in alternatives) + ")" + ("?" if char == "[" else ""),
                0 if char == "[" else min(part.shortest for part in alternatives),
                frozenset().union(*(part.first for part in alternatives)),
                char == "[" or any(part.optional for part in alternatives),
            )
        if char == "{":
            name = self.text[self.position + 1 : self.text.index("}", self.position)]
            self.position += len(name) + 2
            self.slots.append(name)
            pattern, first = self.slot_patterns[name]
            return _Part(f"(?P<{self.group}_{name}>{pattern})", 1, first, optional=False)
        self.position += 1
        return _Part(re.escape(char), 1, frozenset(char), optional=False)


def _spellings(text: str, lang: str) -> set[str]:
    """A word as written, without accents, and (German) with ae, oe, ue, ss."""
    if lang in _UNSPACED:
        return {text}
    forms = {text, plain(text)}
    if lang == "de":
        forms.add(text.translate(_GERMAN_LETTERS))
    return forms


def _names(lang: str, english_names: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(name in the language, English name) from dateparser, for weekdays or months."""
    info = default_loader.get_locale(lang).info
    for english in english_names:
        for name in info.get(english, ()):
            yield name.lower(), english


@cache
def _weekday_names(lang: str) -> dict[str, str]:
    """Weekday names dateparser knows: whole ones, and three letters that are no month and no common word."""
    names: dict[str, str] = {}
    for name, english in _names(lang, ENGLISH_WEEKDAYS):
        short = len(name) == 3 and name not in month_names(lang) and name not in _NOT_WEEKDAYS
        if len(name) >= 5 or short:
            for form in {name, plain(name), name.removesuffix("-feira")}:
                names[form] = english
    return names


def _slot_patterns(lang: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Each slot's regular expression, and the characters it can start with."""
    patterns = {name: (pattern, _DIGITS) for name, (pattern, _) in SLOTS.items()}
    if lang not in _UNSPACED and lang != "en":
        weekdays = [name for name in _weekday_names(lang) if len(name) >= 5]
        patterns["wd"] = (longest_first(weekdays), frozenset(name[0] for name in weekdays))
        months = list(month_names(lang))
        patterns["mon"] = (longest_first(months) + r"\.?", frozenset(name[0] for name in months))
    return patterns


@dataclass(frozen=True)
class Rewrite:
    """A language's words, by the character they start with, and what each means."""

    numbers: re.Pattern[str] | None
    number_values: dict[str, str]
    starts: re.Pattern[str]  # where a word may start
    by_first: dict[str, re.Pattern[str]]  # the words that may start with a character, longest first
    meanings: dict[str, _Word]
    spaced: bool

    def __call__(self, phrase: str) -> str:
        if self.numbers is not None:
            phrase = self.numbers.sub(self._number, phrase)
        pieces, done = [], 0
        for start in self.starts.finditer(phrase):
            position = start.start()
            if position < done or (match := self.by_first[start.group(0)].match(phrase, position)) is None:
                continue
            pieces += [phrase[done:position], self._word(match)]
            done = match.end()
        if not done:
            return " ".join(phrase.split())
        return " ".join("".join([*pieces, phrase[done:]]).split())

    def _number(self, match: re.Match[str]) -> str:
        if match.lastgroup == "comma":
            return match.group(0).replace(",", ".")
        if match.lastgroup == "kanji":
            return _kanji_number(match.group(0))
        return self.number_values[match.group(0)]

    def _word(self, match: re.Match[str]) -> str:
        group = match.lastgroup or ""
        word = self.meanings[group]
        if word.english == KEEP:
            return match.group(0)
        values = {slot: SLOTS.get(slot, ("", _as_written))[1](match[f"{group}_{slot}"]) for slot in word.slots}
        if "wd" in values:
            values["wd"] = _weekday_names(group.split("_")[0])[values["wd"]]
        english = word.english(values) if callable(word.english) else word.english.format_map(values)
        return english if self.spaced else f" {english} "


_KANJI_DIGITS = {char: value for value, char in enumerate("一二三四五六七八九", start=1)}


def _kanji_number(text: str) -> str:
    """'三' 3, '十二' 12, '二十五' 25: the numbers a time phrase uses, written in kanji."""
    digits = _KANJI_DIGITS
    if "十" not in text:
        return "".join(str(digits[char]) for char in text)
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return text  # not a number a time is written with: refused later
    return str(10 * digits.get(tens, 1) + digits.get(units, 0))


def _entries(lang: str) -> Iterator[tuple[str, English]]:
    for concept in CONCEPTS:
        if concept.english == KEEP and lang == "en":
            continue  # kept as typed, and no English word holds one
        for text in concept.words.get(lang, ()):
            yield text, concept.english
    if lang == "ja":
        yield from zip(JAPANESE_WEEKDAYS, ENGLISH_WEEKDAYS, strict=True)
    elif lang != "en":
        yield from _weekday_names(lang).items()


@cache
def rewrite(lang: str) -> Rewrite:
    """The language's rewrite, built once from the table."""
    slot_patterns = _slot_patterns(lang)
    words: list[tuple[str, _Word]] = []
    for index, (text, english) in enumerate(_entries(lang)):
        for number, form in enumerate(sorted(_spellings(text, lang))):
            group = f"{lang}_{index}_{number}"
            template = _Template(form, group, slot_patterns)
            part = template.compile()
            words.append((group, _Word(part.pattern, english, tuple(template.slots), part.shortest, part.first)))
    # The longest word first; of two as long, the one with more conditions (a look-ahead) first, then by its
    # text: where a word sits in the table never decides what is read.
    words.sort(key=lambda item: (-item[1].shortest, -len(item[1].pattern), item[1].pattern))
    spaced = lang not in _UNSPACED
    firsts = sorted(set().union(*(word.first for _, word in words)))
    by_first = {
        char: re.compile(
            "(?:"
            + "|".join(f"(?P<{group}>{word.pattern})" for group, word in words if char in word.first)
            + (r")(?!\w)" if spaced else ")")
        )
        for char in firsts
    }
    starts = "[" + "".join(map(re.escape, firsts)) + "]"
    return Rewrite(
        _numbers(lang),
        _number_words(lang),
        re.compile(rf"{starts}(?<![\w']{starts})" if spaced else starts),  # the class first: the engine jumps
        by_first,
        dict(words),
        spaced,
    )


def _number_words(lang: str) -> dict[str, str]:
    return {form: f"{value:g}" for word, value in NUMBERS.get(lang, {}).items() for form in _spellings(word, lang)}


def _numbers(lang: str) -> re.Pattern[str] | None:
    """Number words as digits, and decimal commas as points; kanji numbers before a unit in Japanese."""
    if lang == "ja":
        return re.compile(r"(?P<kanji>[一二三四五六七八九十]+(?=[時分日週かヶケ月]))")
    if lang == "en":
        return None
    words = longest_first(list(_number_words(lang)))
    return re.compile(rf"(?P<comma>{_DECIMAL_COMMA})|(?<!\w){words}(?!\w)")
