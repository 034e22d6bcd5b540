"""DLT templates: the registered text with its `{#var#}` variables, filled in and checked before Confirm.

Indian operators compare every SMS with its registered template character for character (Kaleyra's
INV-TEMPLATE-MATCH): the fixed parts must be unchanged, and each variable holds 1 to 30 characters. A
template here is that text, as DLT writes it, with a name for each variable so people can fill it in by
name (`name=Asha`) or in order. Rendering and checking say what is wrong per variable, so a mismatch is
a field error before Confirm rather than a send the operator refuses.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from bot.config import ROUTE_TYPES
from bot.core.errors import InvalidRequest

VARIABLE_LIMIT = 30
"""DLT's longest variable, in characters."""
PLACEHOLDER = re.compile(r"\{#(\w*)#\}")
"""A variable as DLT writes it: `{#var#}` (the word inside is DLT's, not the variable's name here)."""
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,29}")
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
_SENDER = re.compile(r"[A-Za-z0-9 ]{1,15}")
MAX_TEXT = 2000
TEMPLATE_FIELD = "template"
"""The field a problem with the template as a whole is shown beside (an unknown variable, values given two ways)."""


class InvalidTemplate(InvalidRequest):
    """A template as an admin (or TEMPLATES_FILE) wrote it cannot be used; one message per field."""


class TemplateMismatch(InvalidRequest):
    """Values or a message that do not fit a template: keyed by variable name, or `message`, or `template`."""


class VariableProblem(Enum):
    MISSING = "missing variable"
    TOO_LONG = "too long"


def variable_problem(name: str, value: str | None) -> tuple[VariableProblem, str] | None:
    """Why `value` cannot fill the variable `name` (DLT refuses an empty one or one over 30 characters)."""
    if value is None or not value.strip():
        return VariableProblem.MISSING, f"{name} is empty: every variable of a DLT template needs a value."
    if len(value) > VARIABLE_LIMIT:
        return (
            VariableProblem.TOO_LONG,
            f"{name} is {len(value)} characters; DLT allows at most {VARIABLE_LIMIT} per variable.",
        )
    return None


@dataclass(frozen=True)
class Template:
    """A registered DLT template. Build it with `Template.create`, which checks every field."""

    name: str
    template_id: str
    text: str
    variables: tuple[str, ...] = ()
    sender: str = ""
    route: str = ""
    parts: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The fixed text around the variables: one more part than there are variables."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(PLACEHOLDER.split(self.text)[::2]))

    @classmethod
    def create(
        cls,
        name: str,
        template_id: str,
        text: str,
        variables: Sequence[str] | str = (),
        sender: str = "",
        route: str = "",
    ) -> Template:
        """A checked template; raises `InvalidTemplate` with a message per field (name, template_id, text,
        variables, sender, route). Variables are named in order; unnamed ones are var1, var2, ..."""
        errors: dict[str, str] = {}
        name = name.strip().lower()
        if not _NAME.fullmatch(name):
            errors["name"] = (
                "A template name is 1 to 40 letters, digits, - and _, starting with a letter or digit "
                "(it is typed as template:NAME)."
            )
        template_id = str(template_id).strip()
        if not _TEMPLATE_ID.fullmatch(template_id):
            errors["template_id"] = "Give the DLT template id (letters, digits, - and _), as registered with DLT."
        text = text.strip()
        if text_problem := _text_problem(text):
            errors["text"] = text_problem
        count = len(PLACEHOLDER.findall(text))
        names = _names(variables, count, errors)
        sender = sender.strip()
        if sender and not _SENDER.fullmatch(sender):
            errors["sender"] = "A sender id is up to 15 letters and digits."
        route = route.strip().upper()
        if route and route not in ROUTE_TYPES:
            errors["route"] = f"Route type “{route}” is not one of {', '.join(ROUTE_TYPES)} (OTP cannot be scheduled)."
        if errors:
            raise InvalidTemplate(errors)
        return cls(name, template_id, text, names, sender, route)

    def lookup(self, name: str) -> str | None:
        """The variable called `name`, whatever its case."""
        wanted = name.strip().lower()
        return next((variable for variable in self.variables if variable.lower() == wanted), None)

    def fill(self, values: Sequence[str]) -> str:
        """The body with `values` in the variables' order, unchecked (`render` checks)."""
        pieces = [self.parts[0]]
        for value, part in zip(values, self.parts[1:], strict=True):
            pieces += (value, part)
        return "".join(pieces)

    def render(self, named: Mapping[str, str] | None = None, positional: Sequence[str] = ()) -> str:
        """The body, from values by variable name or in order; raises `TemplateMismatch` keyed by variable
        (or `template` when the values as a whole do not fit)."""
        named = named or {}
        if named and positional:
            raise TemplateMismatch({TEMPLATE_FIELD: "Give the variables either by name or in order, not both."})
        if len(positional) > len(self.variables):
            raise TemplateMismatch(
                {TEMPLATE_FIELD: f"{len(positional)} values were given, but “{self.name}” has {self._describe()}."}
            )
        values = dict(zip(self.variables, positional, strict=False))
        for given, value in named.items():
            if (variable := self.lookup(given)) is None:
                raise TemplateMismatch({TEMPLATE_FIELD: self._unknown(given)})
            values[variable] = value
        errors = {
            variable: problem[1]
            for variable in self.variables
            if (problem := variable_problem(variable, values.get(variable))) is not None
        }
        if errors:
            raise TemplateMismatch(errors)
        return self.fill([values[variable] for variable in self.variables])

    def check(self, body: str) -> tuple[str, ...]:
        """The variables' values when `body` is this template filled in; else `TemplateMismatch` on
        `message`, saying which fixed part differs or which variable is empty or too long."""
        if (values := self._match(body)) is not None:
            return values
        found, missing = self._walk(body)
        problems = [
            problem[1]
            for variable, value in zip(self.variables, found, strict=False)
            if (problem := variable_problem(variable, value)) is not None
        ]
        lead = f"The message does not match template “{self.name}”:"
        if missing is None and problems:
            raise TemplateMismatch({"message": f"{lead} {' '.join(problems)}"})
        raise TemplateMismatch({"message": f"{lead} {self._changed(body, missing or 0)}"})

    def preview(self, values: Mapping[str, str]) -> str:
        """The body as it will read, with `[name]` where a value is still missing."""
        return self.fill([values.get(variable, "").strip() or f"[{variable}]" for variable in self.variables])

    def to_json(self) -> str:
        data = asdict(self)
        del data["parts"]
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Template:
        """Checked again: a template stored by an older version, or edited by hand, must still be valid."""
        data: dict[str, Any] = json.loads(text)
        return cls.create(
            name=str(data.get("name") or ""),
            template_id=str(data.get("template_id") or ""),
            text=str(data.get("text") or ""),
            variables=tuple(map(str, data.get("variables") or ())),
            sender=str(data.get("sender") or ""),
            route=str(data.get("route") or ""),
        )

    def _describe(self) -> str:
        if not self.variables:
            return "no variables"
        return f"{len(self.variables)} variable{'s' if len(self.variables) != 1 else ''} ({', '.join(self.variables)})"

    def _unknown(self, given: str) -> str:
        close = difflib.get_close_matches(given.lower(), [variable.lower() for variable in self.variables], n=1)
        meant = f" (did you mean {self.lookup(close[0])}?)" if close else ""
        return f"“{given}” is not a variable of “{self.name}”{meant}; it has {self._describe()}."

    def _match(self, body: str) -> tuple[str, ...] | None:
        """Values of 1 to 30 characters that make `body` this template, or None.

        Step by step over the fixed parts, keeping every position a part can end at (at most 30 per
        position reached): linear in the body, where a regular expression could backtrack exponentially on
        a template whose fixed parts repeat (`{#var#} {#var#} {#var#}`)."""
        first, *rest = self.parts
        if not body.startswith(first):
            return None
        reached: dict[int, int] = {len(first): -1}  # position -> where the variable before it started
        steps: list[dict[int, int]] = []
        for part in rest:
            following: dict[int, int] = {}
            for start in reached:
                for end in range(start + 1, min(start + VARIABLE_LIMIT, len(body)) + 1):
                    if end + len(part) not in following and body.startswith(part, end):
                        following[end + len(part)] = start
            if not following:
                return None
            steps.append(following)
            reached = following
        if len(body) not in reached:
            return None
        values: list[str] = []
        position = len(body)
        for part, step in zip(reversed(rest), reversed(steps), strict=True):
            start = step[position]
            values.append(body[start : position - len(part)])
            position = start
        return tuple(reversed(values))

    def _walk(self, body: str) -> tuple[list[str], int | None]:
        """Each fixed part at its first place after the one before (the last one at the end): the values
        between them, and the index of the first part not found (None when every part was)."""
        first, *rest = self.parts
        if not body.startswith(first):
            return [], 0
        values: list[str] = []
        position = len(first)
        for index, part in enumerate(rest, 1):
            if index == len(rest):  # the last part ends the message
                found = len(body) - len(part) if body.endswith(part) else -1
            else:
                found = body.find(part, position)
            if found < position:
                return values, index
            values.append(body[position:found])
            position = found + len(part)
        return values, None

    def _changed(self, body: str, missing: int) -> str:
        """Where the message leaves the template's fixed text (`missing` is the index of the part not found)."""
        part = self.parts[missing]
        if missing == 0:
            return f"it must begin with “{part}” (it begins with “{body[: len(part) + 10]}”)."
        after = f"after {self.variables[missing - 1]}"
        if missing == len(self.parts) - 1:
            return f"it must end with “{part}” {after} (it ends with “{body[-len(part) - 10 :]}”)."
        return f"the text “{part}” {after} is missing or changed."


def _text_problem(text: str) -> str:
    if not text:
        return "Give the template's text as registered with DLT, with each variable written {#var#}."
    if len(text) > MAX_TEXT:
        return f"The text is {len(text)} characters; a template holds at most {MAX_TEXT}."
    leftover = PLACEHOLDER.sub("", text)
    if "{#" in leftover or "#}" in leftover:
        return "A variable is not closed: write each one as {#var#}."
    return ""


def _names(variables: Sequence[str] | str, count: int, errors: dict[str, str]) -> tuple[str, ...]:
    """Variable names in order: given (a list, or words separated by commas) or var1, var2, ..."""
    given = [name.strip() for name in (variables.split(",") if isinstance(variables, str) else variables)]
    given = [name for name in given if name]
    if not given:
        return tuple(f"var{index}" for index in range(1, count + 1))
    if len(given) != count:
        errors["variables"] = (
            f"{len(given)} names for the text's {count} variables ({{#var#}}): name each one, in order."
        )
    elif bad := [name for name in given if not _VARIABLE_NAME.fullmatch(name)]:
        errors["variables"] = (
            f"“{bad[0]}” cannot be a variable name: use letters, digits and _, starting with a letter."
        )
    elif len({name.lower() for name in given}) != len(given):
        errors["variables"] = "Each variable needs a name of its own."
    return tuple(given)
