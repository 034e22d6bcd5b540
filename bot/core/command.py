"""The one-line `/schedule-sms` command: recipients, a quoted message, and a time phrase.

    /schedule-sms +919876543210, 98765 43210 "Your appointment is at 4 PM" tomorrow 5pm

or, with a saved DLT template, its variables by name (or, quoted, in order) instead of the message:

    /schedule-sms +919876543210 template:appointment name=Asha time="4.00 PM" tomorrow 9am

or, to a saved list of rows instead of numbers (each row's variables from its columns; the time for every row
without its own, or none to use the list's `when` column):

    /schedule-sms list:clinic template:appointment 2 hours before {time}

Parsing never fails: whatever was understood goes into a `Draft`, so an incomplete or
partly wrong command can open the modal pre-filled rather than lose the user's typing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

_OPEN_QUOTES = '"“”„«'
_CLOSE_QUOTES = '"”“»'
_PHONE_TOKEN = re.compile(r"\+?[\d().-]*\d[\d().-]*,?")
_DATE_SHAPED = re.compile(r"\d{4}-\d{1,2}-\d{1,2},?|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?,?")
_TIME_SHAPED = re.compile(r"\d{1,2}(?:[:.]\d{2})?(?:am|pm)?,?", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """What a user asked for, as typed: every field a string, nothing checked yet."""

    recipients: str = ""
    message: str = ""
    when: str = ""
    route: str = ""
    sender: str = ""
    template_id: str = ""
    callback_profile_id: str = ""
    send_now: bool = False
    picked_at: int | None = None  # the modal's date-and-time picker, epoch seconds; wins over `when`
    template: str = ""  # a saved template's name: the message is rendered from it
    variables: tuple[tuple[str, str], ...] = ()  # the template's values by variable name
    positional: tuple[str, ...] = ()  # or in the variables' order
    rows: str = ""  # rows pasted in the form, the first naming the columns: one SMS per row
    files: tuple[str, ...] = ()  # Slack files attached in the form (their ids): rows, one SMS per row
    saved_list: str = ""  # a saved list's name: its rows
    save_as: str = ""  # save the file's (or pasted) rows as a list of this name
    save_for_team: bool = False  # ... for the whole team (admins)

    @property
    def is_batch(self) -> bool:
        """Rows, each an SMS of its own (a file, pasted rows, a saved list), rather than numbers for one SMS."""
        return bool(self.rows or self.files or self.saved_list)

    def with_defaults(self, route: str, sender: str, callback_profile_id: str | None) -> Draft:
        return replace(
            self,
            route=self.route or route,
            sender=self.sender or sender,
            callback_profile_id=self.callback_profile_id or (callback_profile_id or ""),
        )


SUBCOMMANDS = ("list", "help", "history", "lists")


def is_help(text: str) -> bool:
    return text.strip().lower() in ("help", "-h", "--help", "?")


def misspelt_subcommand(text: str) -> tuple[str, str] | None:
    """(what was typed, the sub-command meant) when the text is a lone word (and maybe a page number)
    close to a sub-command but not one: `lsit`, `hepl`, `lst`. Such a word is no time phrase either."""
    words = text.strip().split()
    if not 1 <= len(words) <= 2 or not words[0].isalpha() or (len(words) == 2 and not words[1].isdigit()):
        return None
    typed = words[0].lower()
    if typed in SUBCOMMANDS:
        return None
    meant = difflib.get_close_matches(typed, SUBCOMMANDS, n=1, cutoff=0.7)
    return (words[0], meant[0]) if meant else None


def parse_command(text: str) -> Draft:
    """Split the command text into recipients, message and time, keeping everything typed."""
    text = text.strip()
    saved_list = ""
    if (named := _LIST.search(text)) is not None:
        saved_list, text = named.group(1), (text[: named.start()] + " " + text[named.end() :]).strip()
    if (template := _TEMPLATE.search(text)) is not None:
        draft = _templated(text[: template.start()] + " " + text[template.end() :], template.group(1))
        return replace(draft, saved_list=saved_list)
    message, before, after = _quoted_message(text)
    recipients, time_before = _leading_numbers(before)
    when = " ".join(part for part in (time_before, after) if part)
    return Draft(recipients=recipients, message=message, when=when, saved_list=saved_list)


_TEMPLATE = re.compile(r"(?<!\S)template:(\S+)", re.IGNORECASE)
_LIST = re.compile(r"(?<!\S)list:(\S+)", re.IGNORECASE)
_VALUE = re.compile(
    r'(?<!\S)(?P<name>[A-Za-z_]\w*)=(?:"(?P<straight>[^"]*)"?|“(?P<curly>[^”]*)”?|(?P<bare>\S*))'
    r'|"(?P<in_order>[^"]*)"?|“(?P<curly_in_order>[^”]*)”?'
)


def _templated(text: str, template: str) -> Draft:
    """`name=value` pairs (the value quoted when it has spaces) or quoted values in order; what is left
    is the recipients, then the time."""
    named: list[tuple[str, str]] = []
    positional: list[str] = []
    rest: list[str] = []
    position = 0
    for match in _VALUE.finditer(text):
        rest.append(text[position : match.start()])
        position = match.end()
        if match.group("name") is not None:
            value = next(group for group in match.group("straight", "curly", "bare") if group is not None)
            named.append((match.group("name"), value.strip()))
        else:
            positional.append((match.group("in_order") or match.group("curly_in_order") or "").strip())
    rest.append(text[position:])
    recipients, when = _leading_numbers(" ".join(rest))
    return Draft(
        recipients=recipients, when=when, template=template, variables=tuple(named), positional=tuple(positional)
    )


def _quoted_message(text: str) -> tuple[str, str, str]:
    """(message, text before it, text after it); no quotes means no message."""
    start = min((i for i in map(text.find, _OPEN_QUOTES) if i >= 0), default=-1)
    if start < 0:
        return "", text, ""
    end = max(map(text.rfind, _CLOSE_QUOTES))
    if end <= start:  # an opening quote never closed: the rest is the message
        return text[start + 1 :].strip(), text[:start].strip(), ""
    return text[start + 1 : end].strip(), text[:start].strip(), text[end + 1 :].strip()


def _leading_numbers(text: str) -> tuple[str, str]:
    """Phone-number-like tokens at the start are recipients; the rest is the time phrase."""
    tokens = text.replace(",", ", ").split()
    count = 0
    for token in tokens:
        looks_like_time = _TIME_SHAPED.fullmatch(token) and len(re.sub(r"\D", "", token)) <= 4
        if token == "," or (
            _PHONE_TOKEN.fullmatch(token) and not _DATE_SHAPED.fullmatch(token) and not looks_like_time
        ):
            count += 1
            continue
        break
    recipients = " ".join(tokens[:count]).replace(" ,", ",").strip(" ,")
    return recipients, " ".join(tokens[count:])
