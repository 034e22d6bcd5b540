"""The rules as data: their order, their quick checks, the table of words, and the documentation made from them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import TimeParseError
from bot.core.timeparse import LANGUAGES, parse_when
from bot.core.timeparse.docs import DOCUMENT, refreshed
from bot.core.timeparse.engine import ORDERED, RULES, STAGES, in_order, read
from bot.core.timeparse.english import NOTATION, english
from bot.core.timeparse.languages import rewrite
from bot.core.timeparse.reader import _normalise
from bot.core.timeparse.values import Context, Piece, Rule
from bot.core.timeparse.words import CONCEPTS, KEEP
from bot.core.timeparse.words import LANGUAGES as COLUMNS
from tests.unit.test_timeparse_classes import ALL as CLASS_CASES
from tests.unit.test_timeparse_corpus import CASES as CORPUS
from tests.unit.test_timeparse_properties import FRAGMENTS

ROOT = DOCUMENT.parents[1]
NOW = datetime.fromisoformat("2026-11-24T08:00:00+05:30")  # a Tuesday morning
REFUSING_RULES = {"two hours or two o'clock", "phone number"}


def canonical_readings() -> list[tuple[str, Context]]:
    """Every corpus phrase as the rules see it, in English and (for its locale) in its language."""
    readings = []
    for locale, phrase in [(c.locale, c.phrase) for c in CORPUS] + [(c.locale, c.phrase) for _, c in CLASS_CASES]:
        language = locale.split("-")[0] if locale else None
        text = _normalise(phrase)
        readings.append((english(text), Context(None, language, False, 2026)))
        if language:
            readings.append((english(rewrite(language)(text)), Context(language, language, language == "ja", 2026)))
    return readings


READINGS = canonical_readings()


def outcome(text: str, context: Context, rules: tuple[Rule, ...] = ORDERED) -> list[Piece] | str:
    try:
        return sorted(read(text, context, rules), key=repr)
    except TimeParseError as refusal:
        return str(refusal)


def test_rules_that_name_no_order_between_them_do_not_depend_on_it() -> None:
    other = in_order(reversed(RULES))
    assert [rule.name for rule in other] != [rule.name for rule in ORDERED]
    assert [outcome(text, context, other) for text, context in READINGS] == [
        outcome(text, context) for text, context in READINGS
    ]


def rule(name: str, stage: str = "days", after: dict[str, str] | None = None) -> Rule:
    return replace(ORDERED[0], name=name, stage=stage, after=after or {})  # type: ignore[arg-type]


def test_the_order_is_checked_when_the_rules_are_loaded() -> None:
    with pytest.raises(ValueError, match="no rules of its stage"):
        in_order([rule("a", after={"b": "b holds a"})])
    with pytest.raises(ValueError, match="no rules of its stage"):
        in_order([rule("a", "days", {"b": "b holds a"}), rule("b", "times")])
    with pytest.raises(ValueError, match="wait for each other"):
        in_order([rule("a", after={"b": "b holds a"}), rule("b", after={"a": "a holds b"})])
    with pytest.raises(ValueError, match="a name of its own"):
        in_order([rule("a"), rule("a")])
    assert [stage for stage, _ in STAGES] == list(dict.fromkeys(rule.stage for rule in ORDERED))


@pytest.mark.parametrize("rule", [rule for rule in ORDERED if rule.needs], ids=lambda rule: rule.name)
def test_every_match_of_a_rule_holds_a_word_it_needs(rule: Rule) -> None:
    texts = [text for text, _ in READINGS] + [english(_normalise(example)) for r in ORDERED for example in r.examples]
    for text in texts:
        for match in matches(rule, text):
            assert any(word in match.group(0) for word in rule.needs), (rule.name, text)


def matches(rule: Rule, text: str) -> list[re.Match[str]]:
    """What the rule would look at in `text`: all of it for a rule of the whole phrase, else every match."""
    if rule.whole:
        return [match] if (match := rule.pattern.fullmatch(text)) else []
    return list(rule.pattern.finditer(text))


@settings(max_examples=300, deadline=None)
@given(words=st.lists(FRAGMENTS, min_size=1, max_size=6))
def test_no_match_of_any_rule_lacks_the_words_it_needs(words: list[str]) -> None:
    text = english(_normalise(" ".join(words)))
    for rule in ORDERED:
        for match in matches(rule, text) if rule.needs else ():
            assert any(word in match.group(0) for word in rule.needs), rule.name


@pytest.mark.parametrize("rule", ORDERED, ids=lambda rule: rule.name)
def test_every_example_of_a_rule_is_read_as_the_rule_says(rule: Rule) -> None:
    assert rule.examples and rule.reads and rule.meaning
    for example in rule.examples:
        if rule.name in REFUSING_RULES:
            with pytest.raises(TimeParseError):
                parse_when(example, "Asia/Kolkata", NOW)
        else:
            assert parse_when(example, "Asia/Kolkata", NOW) > NOW, example


def test_ways_of_writing_a_time_do_not_depend_on_their_order() -> None:
    texts = [_normalise(case.phrase) for case in CORPUS] + [_normalise(case.phrase) for _, case in CLASS_CASES]
    for text in texts:
        forward, backward = text, text
        for _, pattern, replacement in NOTATION:
            forward = pattern.sub(replacement, forward)
        for _, pattern, replacement in reversed(NOTATION):
            backward = pattern.sub(replacement, backward)
        assert " ".join(forward.split()) == " ".join(backward.split()), text


def test_the_table_of_words_has_each_concept_once_and_a_column_per_language() -> None:
    assert set(COLUMNS) == {"en", *LANGUAGES}
    names = [concept.name for concept in CONCEPTS]
    assert len(names) == len(set(names))
    seen: dict[tuple[str, str], str] = {}
    for concept in CONCEPTS:
        assert concept.words, concept.name
        for language, words in concept.words.items():
            for word in words:
                assert (language, word) not in seen, f"“{word}” is both {seen[language, word]} and {concept.name}"
                seen[language, word] = concept.name


@pytest.mark.parametrize("language", COLUMNS)
def test_every_word_of_the_table_is_read_as_its_english(language: str) -> None:
    """A word written alone (its slots filled) is rewritten to its concept's English, or kept when not about time."""
    samples = {"{h}": "5", "{m}": "15", "{mi}": "15", "{mn}": "10", "{n}": "2", "{d}": "3", "{t}": "18", "{dm}": "3/12",
               "{y}": "2027", "{mo}": "12"}  # fmt: skip
    for concept in CONCEPTS:
        for word in concept.words.get(language, ()):
            if "{wd}" in word or "{mon}" in word or "(?" in word:
                continue  # needs a name from dateparser, or a word after it
            typed = re.sub(r"\[[^\]]*\]|\(([^|)]*)[^)]*\)", lambda m: m.group(1) or "", word)
            for slot, sample in samples.items():
                typed = typed.replace(slot, sample)
            result = rewrite(language)(typed)
            if concept.english == KEEP:
                assert result == typed
            elif isinstance(concept.english, str) and "{" not in concept.english:
                assert result == concept.english.strip(), (language, word, result)


def test_the_documentation_is_made_from_the_rules_and_the_words() -> None:
    document = DOCUMENT.read_text()
    assert refreshed(document) == document, "run: python -m bot.core.timeparse.docs"
    for rule in ORDERED:
        assert rule.reads in document and all(example.replace("|", "\\|") in document for example in rule.examples)
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### How a time phrase is read", 1)[1].split("\n## ", 1)[0]
    assert "docs/time-phrases.md" in section and "| Rule |" not in readme
    assert len([line for line in section.strip().splitlines() if line]) <= 4
