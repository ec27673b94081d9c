"""The routine step announcer blueprint, run end to end in a real automation.

A real routine runs on the emulated devices; the speaker is a recording `tts.speak`
action whose media player plays for a few (virtual) seconds, and the phone is a
recording notify action whose taps come back as the Companion app's events.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers.event import async_call_later
import pytest

from custom_components.massage.const import DOMAIN
from emulator import DeviceServer

from .blueprint_helpers import (
    NOTIFY_ACTION,
    Phone,
    advance,
    install_phone,
    settle,
    setup_automations,
    stop_automations,
    until,
)
from .routine_helpers import OFF, Fired, Writes, button, by_person, recording

BLUEPRINT = "routine_step_announcer.yaml"
AUTOMATION = "automation.from_routine_step_announcer_yaml"
TTS = "tts.piper"
MEDIA_PLAYER = "media_player.living_room"
CONFIRM = ["Start the gun", "Stop routine"]
KNEADING = (
    "Sit back with your feet and calves in the foot and leg massager. It kneads "
    "with gentle heat while you use the gun."
)
CALVES = (
    "Move the gun slowly up and down your calf muscles, about a minute on each "
    "leg. Let the gun do the work; do not press hard."
)
GUN_WAITS = "When the gun is in place, confirm to start it."


@dataclass
class Speaker:
    """A text-to-speech action and the media player that plays what it says."""

    hass: HomeAssistant
    seconds: float = 4
    said: list[str] = field(default_factory=list)

    @callback
    def speak(self, call: ServiceCall) -> None:
        """Say a message: the player plays for `seconds`, then idles."""
        assert call.data["entity_id"] == [TTS]
        assert call.data["media_player_entity_id"] == MEDIA_PLAYER
        self.said.append(call.data["message"])
        self.hass.states.async_set(MEDIA_PLAYER, "playing")

        @callback
        def done(_now: datetime) -> None:
            self.hass.states.async_set(MEDIA_PLAYER, "idle")

        async_call_later(self.hass, self.seconds, done)


def install_speaker(hass: HomeAssistant) -> Speaker:
    """Register the recording `tts.speak` action and an idle media player."""
    speaker = Speaker(hass)
    hass.states.async_set(MEDIA_PLAYER, "idle")
    hass.services.async_register("tts", "speak", speaker.speak)
    return speaker


@dataclass
class Announcer:
    """The devices' writes, the player's events, the speaker and the phone."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    gun: Writes
    foot_leg: Writes
    fired: Fired
    speaker: Speaker
    phone: Phone

    async def start(self, routine: str = "post_workout_legs") -> None:
        """A person starts a routine from the dashboard."""
        await self.hass.services.async_call(
            DOMAIN, "start_routine", {"routine": routine}, blocking=True
        )
        await settle(self.hass)

    async def spoken(self) -> None:
        """Let the speaker finish what it says."""
        await advance(self.hass, self.freezer, self.speaker.seconds)

    async def gun_step_asked(self, count: int = 1) -> None:
        """Let the speaker say what it says until the `count`th gun step is sent."""

        def asked() -> bool:
            return len(self.gun_asks) >= count or self.hass.states.is_state(
                MEDIA_PLAYER, "playing"
            )

        while len(self.gun_asks) < count:
            await until(self.hass, asked)
            if self.hass.states.is_state(MEDIA_PLAYER, "playing"):
                await self.spoken()

    @property
    def gun_asks(self) -> list[dict[str, object]]:
        """The notifications that ask to confirm a gun step."""
        return [c for c in self.phone.shown if self.phone.buttons(c) == CONFIRM]


def inputs(**extra: object) -> dict[str, object]:
    """Speech on the living room's speaker and notifications on the phone."""
    return {
        "tts_entity": TTS,
        "media_player": MEDIA_PLAYER,
        "notify_action": NOTIFY_ACTION,
    } | extra


@pytest.fixture
async def devices(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> AsyncGenerator[Announcer]:
    """Both massagers, the routine player, the speaker and the phone."""
    async with recording(hass, freezer, gun_server, foot_leg_server) as (
        (gun, foot_leg),
        fired,
    ):
        yield Announcer(
            hass,
            freezer,
            gun,
            foot_leg,
            fired,
            install_speaker(hass),
            install_phone(hass),
        )
        await stop_automations(hass)


@pytest.fixture
async def announcer(hass: HomeAssistant, devices: Announcer) -> Announcer:
    """An automation made from the blueprint, speaking and notifying."""
    await setup_automations(hass, (BLUEPRINT, inputs()))
    return devices


async def test_each_step_is_said_and_the_gun_waits_for_its_tap(
    hass: HomeAssistant, announcer: Announcer
) -> None:
    """Steps are spoken in order; the gun step's notification has the Confirm tap."""
    await announcer.start()
    await until(hass, lambda: len(announcer.speaker.said) == 1)
    assert announcer.speaker.said == [KNEADING]
    # The phone has it at once; the speaker says it meanwhile.
    assert announcer.phone.shown[0]["title"] == "Massage, step 1 of 4"
    assert announcer.phone.shown[0]["message"] == KNEADING
    # The gun step waits its turn until the speaker has said the first one.
    await settle(hass)
    assert len(announcer.speaker.said) == 1

    await announcer.spoken()
    await until(hass, lambda: len(announcer.speaker.said) == 2)
    assert announcer.speaker.said[1] == f"{CALVES} {GUN_WAITS}"
    # The buttons come once the speaker has said what to do.
    assert announcer.gun_asks == []
    await announcer.spoken()
    await until(hass, lambda: len(announcer.gun_asks) == 1)
    ask = announcer.gun_asks[0]
    assert ask["title"] == "Massage, step 2 of 4"
    assert ask["message"] == (
        f"{CALVES} Hold the gun in place, then tap Start the gun."
    )
    assert ask["data"]["tag"] == AUTOMATION
    assert announcer.gun.log == []

    await announcer.phone.tap("Start the gun", ask)
    await until(hass, lambda: bool(announcer.gun.log))
    assert announcer.gun.log == [(8, {"on": True, "level": 3, "timer": 5})]
    assert announcer.phone.cleared == [AUTOMATION]
    # A second tap on the same notification confirms nothing more.
    await announcer.phone.tap("Start the gun", ask)
    assert len(announcer.gun.log) == 1


async def test_a_step_confirmed_while_the_speaker_talks_is_not_asked_for(
    hass: HomeAssistant, devices: Announcer
) -> None:
    """Confirmed on the dashboard meanwhile, a gun step is neither said nor sent."""
    devices.speaker.seconds = 30
    await setup_automations(hass, (BLUEPRINT, inputs()))
    await devices.start()
    await until(hass, lambda: len(devices.speaker.said) == 1)
    await advance(hass, devices.freezer, 10)
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": button("confirm_step")},
        blocking=True,
        context=await by_person(hass),
    )
    await until(hass, lambda: bool(devices.gun.log))
    await devices.spoken()
    await settle(hass)
    assert devices.speaker.said == [KNEADING]
    assert devices.gun_asks == []


async def test_no_tap_lets_the_routine_end_and_a_late_tap_starts_nothing(
    hass: HomeAssistant, announcer: Announcer
) -> None:
    """Nobody confirms: the routine ends after its timeout, every device off."""
    await announcer.start()
    await announcer.gun_step_asked()
    await advance(hass, announcer.freezer, 180)
    await until(hass, lambda: "routine_aborted" in announcer.fired.types)
    assert announcer.fired.last("routine_aborted")["reason"] == "confirmation_timeout"
    await until(
        hass,
        lambda: (
            announcer.phone.last()["message"]
            == "The routine has stopped. Every massager is off."
        ),
    )
    assert AUTOMATION in announcer.phone.cleared
    assert announcer.foot_leg.log[-1][1] == OFF

    await announcer.phone.tap("Start the gun", announcer.gun_asks[0])
    await advance(hass, announcer.freezer, 60)
    assert announcer.gun.log == []


async def test_stop_on_the_notification_stops_the_routine(
    hass: HomeAssistant, announcer: Announcer
) -> None:
    """Stop routine ends the routine and says so."""
    await announcer.start()
    await announcer.gun_step_asked()
    await announcer.phone.tap("Stop routine", announcer.gun_asks[0])
    await until(hass, lambda: "routine_aborted" in announcer.fired.types)
    assert announcer.fired.last("routine_aborted")["reason"] == "stopped"
    await announcer.spoken()
    await until(hass, lambda: len(announcer.speaker.said) == 3)
    assert announcer.speaker.said[-1] == (
        "The routine has stopped. Every massager is off."
    )
    assert announcer.gun.log == []
    assert announcer.foot_leg.log[-1][1] == OFF


async def test_a_tap_for_an_old_step_never_confirms_the_next(
    hass: HomeAssistant, announcer: Announcer
) -> None:
    """Once the next gun step waits, the previous step's buttons are void."""
    await announcer.start()
    await announcer.gun_step_asked()
    first = announcer.gun_asks[0]
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": button("confirm_step")},
        blocking=True,
        context=await by_person(hass),
    )
    await until(hass, lambda: bool(announcer.gun.log))
    await advance(hass, announcer.freezer, 120)
    await announcer.gun_step_asked(2)
    assert announcer.gun.log[-1][1] == OFF

    await announcer.phone.tap("Start the gun", first)
    await settle(hass)
    assert announcer.gun.log[-1][1] == OFF
    assert announcer.fired.types[-1] == "step_waiting_for_confirmation"


async def test_pauses_and_the_end_are_announced_on_the_phone_only(
    hass: HomeAssistant, devices: Announcer
) -> None:
    """Without speech, the phone hears of each step, the pause and the end."""
    await setup_automations(hass, (BLUEPRINT, inputs(tts_entity="")))
    await devices.start("foot_calf_circulation")
    await hass.services.async_call(DOMAIN, "pause_routine", {}, blocking=True)
    await hass.services.async_call(DOMAIN, "resume_routine", {}, blocking=True)
    for _ in range(3):
        await advance(hass, devices.freezer, 300)
    await until(hass, lambda: "routine_finished" in devices.fired.types)
    await until(hass, lambda: devices.phone.last()["title"] == "Massage routine")
    assert devices.speaker.said == []
    assert [(c["title"], c["message"][:22]) for c in devices.phone.shown] == [
        ("Massage, step 1 of 3", "Sit back and relax wit"),
        ("Massage routine", "Routine paused."),
        ("Massage routine", "Routine resumed."),
        ("Massage, step 1 of 3", "Sit back and relax wit"),
        ("Massage, step 2 of 3", devices.phone.shown[4]["message"][:22]),
        ("Massage, step 3 of 3", devices.phone.shown[5]["message"][:22]),
        ("Massage routine", "Routine done. Drink so"),
    ]


async def test_speech_only_and_without_pauses_and_ends(
    hass: HomeAssistant, devices: Announcer
) -> None:
    """Without a phone and with pauses and ends left out, only steps are said."""
    await setup_automations(
        hass,
        (BLUEPRINT, inputs(notify_action="", announce_pauses_and_ends=False)),
    )
    await devices.start("foot_calf_circulation")
    await devices.spoken()
    await hass.services.async_call(DOMAIN, "stop_routine", {}, blocking=True)
    await until(hass, lambda: "routine_aborted" in devices.fired.types)
    await devices.spoken()
    await settle(hass)
    assert len(devices.speaker.said) == 1
    assert devices.speaker.said[0].startswith("Sit back and relax")
    assert devices.phone.calls == []


async def test_only_when_someone_is_home(
    hass: HomeAssistant, devices: Announcer
) -> None:
    """Asked to, it stays silent while the home zone counts nobody."""
    hass.states.async_set("zone.home", "0")
    await setup_automations(hass, (BLUEPRINT, inputs(only_when_home=True)))
    await devices.start("foot_calf_circulation")
    await devices.spoken()
    assert devices.speaker.said == []
    assert devices.phone.calls == []

    hass.states.async_set("zone.home", "1")
    await hass.services.async_call(DOMAIN, "stop_routine", {}, blocking=True)
    await until(hass, lambda: len(devices.speaker.said) == 1)
    assert devices.speaker.said == ["The routine has stopped. Every massager is off."]
