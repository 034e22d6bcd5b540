"""The tables of docs/time-phrases.md, made from the rules and the table of words themselves.

python -m bot.core.timeparse.docs          rewrites the tables in docs/time-phrases.md
python -m bot.core.timeparse.docs --check  exits 1 when they are out of date (a unit test checks too)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot.core.timeparse.engine import ORDERED, STAGES
from bot.core.timeparse.english import NOTATION
from bot.core.timeparse.languages import READ
from bot.core.timeparse.words import CONCEPTS, KEEP, NUMBERS

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "time-phrases.md"
_BLOCK = re.compile(r"(<!-- (?P<name>[a-z]+): made by bot/core/timeparse/docs.py -->\n).*?(?=<!-- end -->)", re.DOTALL)
_LANGUAGE_NAMES = {"it": "Italian", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese (BR)",
                   "ja": "Japanese"}  # fmt: skip


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def rules_table() -> str:
    """One row per rule, in the order they run."""
    rows = ["| Rule | Examples | How it is read |", "|---|---|---|"]
    for rule in ORDERED:
        examples = ", ".join(_code(example) for example in rule.examples)
        rows.append(f"| {rule.reads} | {examples} | {rule.meaning} |")
    return "\n".join(rows) + "\n"


def order_list() -> str:
    """The stages and, within each, which rule runs after which, and why."""
    lines = []
    for number, (stage, reason) in enumerate(STAGES, start=1):
        lines.append(f"{number}. **{stage}**: {reason}.")
        for rule in (rule for rule in ORDERED if rule.stage == stage):
            after = "; ".join(f"after *{name}*: {why}" for name, why in rule.after.items())
            lines.append(f"   - *{rule.name}*" + (f" ({after})" if after else ""))
    return "\n".join(lines) + "\n"


def notation_list() -> str:
    """The ways of writing a time that the English rewrite makes canonical before any rule reads it."""
    spelled = "spelled numbers as digits: 'eight tonight', 'at three pm', 'ten thirty', 'ten-thirty', 'nine oh five'"
    misspelled = ", ".join(
        f"'{word}'" for c in CONCEPTS if c.english in ("tomorrow", "tonight") for word in c.words["en"]
    )
    lines = [f"- {spelled}", f"- the day words people misspell most ({misspelled}) as the words"]
    lines += [f"- {reason}" for reason, _pattern, _replacement in NOTATION]
    return "\n".join(lines) + "\n"


def words_table() -> str:
    """The concepts, with their English and their words in every language."""
    languages = ("en", *READ)
    header = "| Meaning | English read | " + " | ".join("English (typed)" if lang == "en" else _LANGUAGE_NAMES[lang]
                                                      for lang in languages) + " |"  # fmt: skip
    rows = [header, "|" + "---|" * (len(languages) + 2)]
    for concept in CONCEPTS:
        english = "(left as typed, then left out)" if concept.english == KEEP else _english(concept.english)
        cells = [", ".join(_code(word) for word in concept.words.get(lang, ())) for lang in languages]
        rows.append(f"| {concept.name} | {english} | " + " | ".join(cells) + " |")
    numbers = [", ".join(f"{_code(word)} {value:g}" for word, value in NUMBERS[lang].items()) if lang in NUMBERS else ""
               for lang in languages]  # fmt: skip
    numbers[READ.index("ja") + 1] = "kanji before 時, 分, 日, 週, 月: `三` 3, `十二` 12, `二十五` 25"
    rows.append("| numbers, read before the words | digits | " + " | ".join(numbers) + " |")
    return "\n".join(rows) + "\n"


def _english(english: object) -> str:
    if isinstance(english, str):
        return _code(english) if english else "(dropped)"
    return str(getattr(english, "__doc__", "") or "").strip()


MADE = {"rules": rules_table, "notation": notation_list, "order": order_list, "words": words_table}


def refreshed(document: str) -> str:
    """The document with each of its made blocks made again."""
    return _BLOCK.sub(lambda match: match.group(1) + "\n" + MADE[match["name"]]() + "\n", document)


def main() -> None:
    current = DOCUMENT.read_text()
    fresh = refreshed(current)
    if "--check" in sys.argv[1:]:
        raise SystemExit(0 if fresh == current else f"{DOCUMENT} is out of date: python -m bot.core.timeparse.docs")
    DOCUMENT.write_text(fresh)


if __name__ == "__main__":
    main()
