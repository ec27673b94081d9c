"""Who asked: whether a request comes from a person or from an automation on its own.

A signed-in person's requests carry their user id. A voice request does not always
(a satellite has no user), so the integration's own intent handlers vouch for it:
they run the request under a fresh context that is marked as a person's for as long
as the request runs. Marks are kept by the context object itself, never by its id,
so a context that merely copies the id of a marked one is not a person's; they are
few and short-lived, and nothing outside this module can make one.

A tap on an actionable notification reaches Home Assistant as an event that the
companion app fires under its signed-in person's context; an automation acts on it.
Such taps are remembered by their context id for a minute: an automation that the
tap triggered (its context's parent), or that names the tap's context id, acts for
the person. An event that an automation or script fires itself carries no user and
counts for nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final

from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.helpers import intent
from homeassistant.util.hass_dict import HassKey

from .const import LOGGER

# A request's service call starts at once; a mark outliving this is stale.
MARK_LIFETIME = 30.0
# More concurrent voice requests than this is not people talking.
MAX_MARKS = 16


@dataclass(slots=True)
class _Marks:
    """The contexts of person's requests now running, with when each mark ends."""

    by_id: dict[str, tuple[Context, float]] = field(default_factory=dict)


_MARKS: HassKey[_Marks] = HassKey("massage_person_requests")

# What the companion apps fire when a person taps a notification's action button.
EVENT_NOTIFICATION_ACTION: Final = "mobile_app_notification_action"
# An automation acts on a tap at once; one that comes later is not that tap's.
TAP_LIFETIME = 60.0
# Only so many taps are remembered; the oldest makes way.
MAX_TAPS = 64

_TAPS: HassKey[OrderedDict[str, float]] = HassKey("massage_notification_taps")


@callback
def async_setup_consent(hass: HomeAssistant) -> None:
    """Remember each person's tap on a notification action, for a minute."""
    taps: OrderedDict[str, float] = hass.data.setdefault(_TAPS, OrderedDict())

    @callback
    def _tapped(event: Event) -> None:
        if event.context.user_id is None:
            return  # fired by an automation or a script, not by a person's app
        now = hass.loop.time()
        while taps and next(iter(taps.values())) <= now:
            taps.popitem(last=False)
        if len(taps) >= MAX_TAPS:
            taps.popitem(last=False)
        taps[event.context.id] = now + TAP_LIFETIME

    hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, _tapped)


def is_notification_tap(hass: HomeAssistant, context_id: str | None) -> bool:
    """Return whether a context id is that of a person's recent notification tap."""
    taps = hass.data.get(_TAPS)
    if context_id is None or taps is None or (ends := taps.get(context_id)) is None:
        return False
    return hass.loop.time() < ends


def is_person_request(
    hass: HomeAssistant, context: Context | None, tap_context_id: str | None = None
) -> bool:
    """Return whether a request with this context comes from a person.

    A person is signed in (the context has a user), tapped a notification action
    that triggered the automation asking (or whose context id it names), or the
    integration's own voice intents vouched for this very context while they run.
    """
    if context is None:
        return False
    if context.user_id is not None:
        return True
    if is_notification_tap(hass, context.parent_id) or is_notification_tap(
        hass, tap_context_id
    ):
        return True
    marks = hass.data.get(_MARKS)
    if marks is None or (mark := marks.by_id.get(context.id)) is None:
        return False
    marked, ends = mark
    return marked is context and hass.loop.time() < ends


def intent_from_person(intent_obj: intent.Intent) -> bool:
    """Return whether an intent was spoken or typed by a person.

    Satellites and voice devices name themselves (`satellite_id`, `device_id`), and
    Home Assistant's own conversation and intent APIs need a login; an automation's
    `conversation.process` action gives neither, so it stays an automation.
    """
    return (
        intent_obj.context.user_id is not None
        or intent_obj.satellite_id is not None
        or intent_obj.device_id is not None
    )


@contextmanager
def person_request(hass: HomeAssistant, intent_obj: intent.Intent) -> Iterator[Context]:
    """Yield the context to act under for an intent, marked if a person asked.

    The marked context is a child of the intent's, made here and never handed out
    before it is marked; the mark ends with the block.
    """
    parent = intent_obj.context
    if not intent_from_person(intent_obj):
        yield parent
        return
    context = Context(user_id=parent.user_id, parent_id=parent.id)
    marks = hass.data.setdefault(_MARKS, _Marks())
    now = hass.loop.time()
    for context_id, (_, ends) in list(marks.by_id.items()):
        if ends <= now:
            del marks.by_id[context_id]
    if len(marks.by_id) >= MAX_MARKS:
        LOGGER.warning(
            "Too many voice requests at once; treating this one as an automation's"
        )
        yield context
        return
    marks.by_id[context.id] = (context, now + MARK_LIFETIME)
    try:
        yield context
    finally:
        marks.by_id.pop(context.id, None)
