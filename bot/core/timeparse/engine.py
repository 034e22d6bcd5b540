"""The small engine: the rules in their stated order, each taking the words it reads out of the phrase.

Rules run stage by stage (`STAGES`, each with its reason); within a stage a rule runs after the rules its
`after` names, and rules that name none in either direction do not depend on each other's order. What no
rule reads is refused, naming the words. A phrase's reading depends on its text and `Context` only, so it
is cached: people write the same few phrases again and again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from graphlib import CycleError, TopologicalSorter

from bot.core.errors import TimeParseError
from bot.core.timeparse import clocks, dates, durations, phrase, zones
from bot.core.timeparse.values import (
    TYPED,
    AboutThePhrase,
    Clock,
    Context,
    Mark,
    Period,
    Piece,
    Rule,
    Stage,
    Zone,
    longest_first,
)

STAGES: tuple[tuple[Stage, str], ...] = (
    ("asked", "a phrase with two equally likely readings is asked about as it was typed, before anything is read"),
    ("marks", "zones, hedges and words that are not about time change how the rest is read, or not at all"),
    ("phrase", "a timestamp or a duration is the whole of what is left, or nothing"),
    ("times", "the time of day and the part of the day, taken out first: the day's words left then read together"),
    ("days", "the day: counted from today, a weekday, a date, a holiday"),
    ("leftover", "what the parts left: the words that join them, then a lone number, then a date by dateparser"),
)
RULES: tuple[Rule, ...] = (*phrase.RULES, *zones.RULES, *clocks.RULES, *durations.RULES, *dates.RULES)
EXAMPLES = "“tomorrow 5pm”, “in 2 hours”, “friday 9:30am” or “Dec 3 at 14:30 IST”"

_ONE_ONLY: dict[type, str] = {
    Zone: "The time names more than one timezone; give just one.",
    Clock: "The phrase has more than one time of day; give just one.",
    Period: "The phrase names more than one part of the day; give just one.",
}
_WEEKEND = re.compile(r"(?<!\w)week-?ends?(?!\w)")


def in_order(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """The rules stage by stage, each after those it names; a name that is no rule of its stage is an error."""
    rules = tuple(rules)
    ordered: list[Rule] = []
    for stage, _reason in STAGES:
        members = {rule.name: rule for rule in rules if rule.stage == stage}
        for rule in members.values():
            if unknown := set(rule.after) - set(members):
                raise ValueError(f"rule “{rule.name}” runs after {sorted(unknown)}, which are no rules of its stage")
        try:
            names = TopologicalSorter({name: rule.after.keys() for name, rule in members.items()}).static_order()
            ordered += [members[name] for name in names]
        except CycleError as exc:
            raise ValueError(f"rules wait for each other: {exc.args[1]}") from exc
    if len(ordered) != len(rules):
        raise ValueError("every rule needs a stage of STAGES and a name of its own")
    return tuple(ordered)


ORDERED = in_order(RULES)


class _Found:
    """The pieces read so far, with the checks that one phrase names one zone, one time of day, ..."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.pieces: list[Piece] = []

    def read_by(self, *rules: str) -> bool:
        return any(piece.rule in rules for piece in self.pieces)

    def marked(self, kind: str) -> bool:
        return any(isinstance(piece.value, Mark) and piece.value.kind == kind for piece in self.pieces)

    def has(self, kind: type) -> bool:
        return any(isinstance(piece.value, kind) for piece in self.pieces)

    def add(self, piece: Piece) -> None:
        for kind, refusal in _ONE_ONLY.items():
            if isinstance(piece.value, kind) and self.has(kind):
                raise TimeParseError(refusal)
        self.pieces.append(piece)


Finder = Callable[[str], Iterable[re.Match[str]]]
Step = tuple[Rule, Callable[[str], object] | None, Finder]


def _gate(needs: tuple[str, ...]) -> Callable[[str], object] | None:
    """A quick look for any of the words a rule needs: plain text, which the regex engine finds fast."""
    if not needs:
        return None
    return re.compile(longest_first(needs)).search


def _finder(rule: Rule) -> Finder:
    """Where the rule's words are: every match, the first, or the whole of what is left."""
    if rule.each and not rule.whole:
        return rule.pattern.finditer
    find = rule.pattern.fullmatch if rule.whole else rule.pattern.search
    return lambda rest: () if (match := find(rest)) is None else (match,)


def _steps(rules: tuple[Rule, ...]) -> tuple[Step, ...]:
    """Each rule with its quick look and its finder, made once: the engine runs for every phrase."""
    return tuple((rule, _gate(rule.needs), _finder(rule)) for rule in rules)


_ORDERED_STEPS = _steps(ORDERED)


def read(phrase: str, context: Context, rules: tuple[Rule, ...] = ORDERED) -> tuple[Piece, ...]:
    """Every rule in turn over what the rules before it left; the words no rule read are refused."""
    found = _Found(context)
    rest = phrase
    for rule, gate, find in _ORDERED_STEPS if rules is ORDERED else _steps(rules):
        if gate is not None and not gate(rest):
            continue
        taken: list[re.Match[str]] | None = None  # most rules read nothing: no list for them
        for match in find(rest):
            if (reading := rule.read(match, found)) is not None:
                found.add(Piece(rule.name, reading.value, match.group(0).strip(), reading.notes))
                taken = [*(taken or ()), match]
        if taken:
            for match in reversed(taken):
                rest = rest[: match.start()] + " " + rest[match.end() :]
            rest = " ".join(rest.split())
            if not rest:
                break
    if _WEEKEND.search(rest):
        raise TimeParseError("A weekend is two days: say “saturday” or “sunday”, with a time.")
    if rest:
        raise AboutThePhrase(f"I couldn't understand “{rest}” in “{TYPED}”. Try {EXAMPLES}.")
    return tuple(found.pieces)


@lru_cache(maxsize=4096)
def _reading(
    phrase: str, language: str | None, user_language: str | None, month_first: bool, year: int | None
) -> tuple[Piece, ...] | str:
    """Keyed by plain values, and a refusal kept as its words: a cache the garbage collector need not walk."""
    try:
        return read(phrase, Context(language, user_language, month_first, year))
    except TimeParseError as refusal:
        return str(refusal)


def cached_read(phrase: str, context: Context) -> tuple[Piece, ...]:
    """`read`, remembered by text and context; a refusal is remembered too, and raised afresh each time."""
    reading = _reading(phrase, context.language, context.user_language, context.month_first, context.year)
    if isinstance(reading, str):
        raise AboutThePhrase(reading) if TYPED in reading else TimeParseError(reading)
    return reading
