"""DLT templates in Slack: picking one in the schedule form (searched as typed, its variables filled in
with a live preview), and the admins' Add / Edit / Remove in the App Home."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.command import Draft
from bot.core.template_store import TemplateReadOnly
from bot.core.templates import InvalidTemplate, Template
from bot.services import Services
from bot.slack import blocks, wording
from bot.slack.context import services_of
from bot.slack.listeners.events import publish_home
from bot.slack.replies import Requester, failure_text, guard, user_of

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    app.options(blocks.TEMPLATE_PICKED)(template_options)
    app.options(blocks.TEMPLATE_EDIT)(editable_options)
    app.action(blocks.TEMPLATE_PICKED)(template_picked)
    app.action(blocks.VARIABLE_TYPED)(variable_typed)
    app.action(blocks.TEMPLATE_ADD)(add_clicked)
    app.action(blocks.TEMPLATE_EDIT)(edit_picked)
    app.action(blocks.TEMPLATE_REMOVE)(remove_clicked)
    app.view(blocks.TEMPLATE_FORM)(template_submitted)


def form_draft(draft: Draft, template: Template | None) -> Draft:
    """The form's fields with `template` picked: an input per variable (keeping what was typed, by name or
    in order), its text filled in as the preview, and its sender and route; no template: a message box."""
    if template is None:
        return replace(draft, template="", variables=(), positional=())
    typed = {name.lower(): value for name, value in draft.variables}
    in_order = dict(zip(template.variables, draft.positional, strict=False))
    values = {name: typed.get(name.lower(), in_order.get(name, "")) for name in template.variables}
    return replace(
        draft,
        template=template.name,
        variables=tuple(values.items()),
        positional=(),
        message=template.preview(values) if template.variables else template.text,
        route=template.route or draft.route,
        sender=template.sender or draft.sender,
        template_id="",
    )


# --- the schedule form ---------------------------------------------------------------------------


async def template_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The template menu, searched by name or text as the user types."""
    store = services_of(context).templates
    try:
        templates = await store.all()
    except RedisError as exc:  # the menu shows nothing; the form still works without a template
        log.warning("templates not listed: %s", type(exc).__name__)
        templates = list(store.configured)
    names = [template.name for template in store.configured]
    await ack(**blocks.template_options(templates, str(body.get("value") or ""), names))


async def template_picked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """A template picked (or cleared) in the form: its variables replace the message box."""
    await ack()
    services = services_of(context)
    chosen = ((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value")
    services.background.start(_redraw(services, client, body.get("view") or {}, str(chosen or "")))


async def variable_typed(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """Each keystroke in a variable: the preview and its length follow."""
    await ack()
    services = services_of(context)
    view = body.get("view") or {}
    chosen = blocks.draft_from_state((view.get("state") or {}).get("values") or {}).template
    services.background.start(_redraw(services, client, view, chosen))


async def _redraw(services: Services, client: AsyncWebClient, view: dict[str, Any], chosen: str) -> None:
    draft = blocks.draft_from_state((view.get("state") or {}).get("values") or {})
    problems: list[str] = []
    try:
        template = await services.templates.get(chosen) if chosen else None
    except RedisError as exc:
        log.warning("template not read: %s", type(exc).__name__)
        template, problems = None, [failure_text(exc)]
    if chosen and template is None and not problems:
        problems = [f"Template “{chosen}” no longer exists; pick another, or type the message."]
    settings = services.settings
    try:
        updated = blocks.modal_view(
            form_draft(draft, template),
            private_metadata=str(view.get("private_metadata") or ""),
            allowed_senders=settings.allowed_senders,
            problems=problems,
            max_recipients=settings.max_recipients,
        )
        await client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=updated)
    except blocks.FormOverflow as exc:  # the form stays as typed
        log.info("form not redrawn: %s", exc)
    except SlackApiError as exc:  # hash_conflict: a newer keystroke already redrew it
        log.debug("views.update skipped: %s", exc.response.get("error"))


# --- the admins' templates in the App Home -------------------------------------------------------


def _clicker(body: dict[str, Any]) -> Requester:
    """Who clicked in the App Home or a form: told by direct message (there is no channel to answer in)."""
    return Requester(user_of(body), "", None)


def _refused(services: Services, user_id: str) -> str | None:
    if user_id in services.settings.admin_users:
        return None
    return wording.admins_only("can add, edit or remove templates", services.settings.admin_contact)


async def editable_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The admins' menu of templates to edit: only those added in Slack (the file's are read-only)."""
    services = services_of(context)
    if _refused(services, _clicker(body).user_id):
        await ack(options=[])
        return
    try:
        added = await services.templates.added()
    except RedisError as exc:
        log.warning("templates not listed: %s", type(exc).__name__)
        added = []
    await ack(**blocks.template_options(added, str(body.get("value") or ""), ()))


async def add_clicked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    if (admin := await _admin_click(ack, body, client, context)) is not None:
        services, clicker = admin
        opening = _open_form(client, str(body.get("trigger_id") or ""), blocks.template_form_view(None))
        services.background.start(guard(opening, client, clicker))


async def edit_picked(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    """A template picked in the admins' menu: its form opens, filled in."""
    if (admin := await _admin_click(ack, body, client, context)) is not None:
        services, clicker = admin
        name = str(((body.get("actions") or [{}])[0].get("selected_option") or {}).get("value") or "")
        opening = _open_edit(services, client, clicker, name, str(body.get("trigger_id") or ""))
        services.background.start(guard(opening, client, clicker))


async def remove_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """Remove, in the form of a template being edited (Slack has asked to confirm it)."""
    if (admin := await _admin_click(ack, body, client, context)) is not None:
        services, clicker = admin
        name = str((body.get("actions") or [{}])[0].get("value") or "")
        view_id = str((body.get("view") or {}).get("id") or "")
        services.background.queue(guard(_remove(services, client, clicker, name, view_id), client, clicker))


async def _admin_click(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> tuple[Services, Requester] | None:
    """Ack a click on an admins' control; None (and the user told why) when they are not an admin."""
    await ack()
    services = services_of(context)
    clicker = _clicker(body)
    if refusal := _refused(services, clicker.user_id):
        services.background.start(clicker.problem(client, refusal, trusted=True))
        return None
    return services, clicker


async def _open_edit(
    services: Services, client: AsyncWebClient, clicker: Requester, name: str, trigger_id: str
) -> None:
    template = await services.templates.get(name)
    if template is None:
        await clicker.problem(client, f"Template “{name}” no longer exists.")
        return
    await _open_form(client, trigger_id, blocks.template_form_view(template, editing=template.name))


async def _open_form(client: AsyncWebClient, trigger_id: str, view: dict[str, Any]) -> None:
    """Not queued: a trigger_id lives 3 seconds."""
    await client.views_open(trigger_id=trigger_id, view=view)


async def template_submitted(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """A new or edited template: checked per field, then saved; the admin's Home tab shows it."""
    services = services_of(context)
    user_id = _clicker(body).user_id
    view = body.get("view") or {}
    editing = str(view.get("private_metadata") or "")
    fields = blocks.template_fields((view.get("state") or {}).get("values") or {})
    first = "template_id" if editing else "name"
    if refusal := _refused(services, user_id):
        await ack(response_action="errors", errors={first: refusal})
        return
    store = services.templates
    try:
        template = Template.create(**(fields | {"name": editing} if editing else fields))
        await (store.update(template) if editing else store.add(template))
    except InvalidTemplate as invalid:
        await ack(response_action="errors", errors=_shown(invalid.errors, first))
        return
    except TemplateReadOnly as exc:
        await ack(response_action="errors", errors={first: str(exc)})
        return
    except RedisError as exc:
        log.error("template not saved: %s", type(exc).__name__)
        await ack(response_action="errors", errors={first: wording.TEMPLATE_NOT_SAVED})
        return
    await ack()
    services.background.queue(publish_home(services, client, user_id))


def _shown(errors: dict[str, str], first: str) -> dict[str, str]:
    """Errors beside the form's fields; one about the name (which an edit does not show) beside the first."""
    return {(first if field == "name" else field): message for field, message in errors.items()}


async def _remove(services: Services, client: AsyncWebClient, clicker: Requester, name: str, view_id: str) -> None:
    try:
        await services.templates.remove(name)
    except TemplateReadOnly as exc:
        await clicker.problem(client, str(exc))
        return
    await client.views_update(view_id=view_id, view=blocks.template_removed_view(name))
    await publish_home(services, client, clicker.user_id)
