"""Voice through Assist's default agent, as a satellite without a signed-in user speaks.

Each language runs one conversation with both emulated devices behind the entities:
every sentence is checked by the device state it leads to and by what Assist says.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.intent import IntentResponseType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from emulator import DeviceServer, EmulatedDevice

from .conftest import wait_for
from .voice_helpers import Satellite, add_satellite, say, speech


@pytest.fixture
async def satellite(hass: HomeAssistant) -> Satellite:
    """A satellite device and its entity; the requests it sends carry no user."""
    return add_satellite(hass)


@pytest.fixture
async def assist(
    hass: HomeAssistant, gun_entry: MockConfigEntry, foot_leg_entry: MockConfigEntry
) -> None:
    """Assist's default agent, with both massagers set up."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()


type Check = Callable[[EmulatedDevice, EmulatedDevice], bool]

# One conversation, the same in each language: (step, what the devices then show).
# The gun is the first device, the foot and leg massager the second.
STEPS: tuple[tuple[str, Check], ...] = (
    ("start_foot", lambda _gun, foot: foot.state.on and foot.state.level == 1),
    ("mode", lambda _gun, foot: foot.state.mode == "rolling"),
    ("heat_on", lambda _gun, foot: foot.state.heat == 1),
    ("heat_high", lambda _gun, foot: foot.state.heat == 2),
    ("heat_off", lambda _gun, foot: foot.state.heat == 0),
    (
        "session",
        lambda _gun, foot: foot.state.heat == 1 and foot.state.timer == 15,
    ),
    ("time_left", lambda _gun, foot: foot.state.on),
    ("start_gun", lambda gun, _foot: gun.state.on),
    ("gun_level", lambda gun, _foot: gun.state.level == 3),
    ("battery", lambda gun, _foot: gun.state.on),
    ("running", lambda gun, _foot: gun.state.on),
    ("stop_gun", lambda gun, _foot: not gun.state.on),
    ("stop_all", lambda gun, foot: not gun.state.on and not foot.state.on),
)

FOOT = "Foot and Leg Massager"
FOOT_FAN = "fan.foot_and_leg_massager"
GUN = "Massage Gun"

CONVERSATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "start_foot": (
            "turn on the foot massager",
            f"Started {FOOT}: level 1, kneading, heat off, 10-minute timer.",
        ),
        "mode": (
            "set the foot and leg massager to rolling",
            f"{FOOT} is set to rolling.",
        ),
        "heat_on": (
            "turn on the heat on the foot massager",
            f"Heat of {FOOT}: low.",
        ),
        "heat_high": ("set the heat to high", f"Heat of {FOOT}: high."),
        "heat_off": ("turn off the heat", f"Heat of {FOOT} is off."),
        "session": (
            "massage my feet with heat for 15 minutes",
            f"Started {FOOT}: level 1, rolling, heat low, 15-minute timer.",
        ),
        "time_left": ("how long is left", f"{FOOT} stops in 15 minutes."),
        "start_gun": (
            "turn on the massage gun",
            f"Started {GUN}: level 1, 5-minute timer.",
        ),
        "gun_level": ("set the massage gun to speed 3", f"{GUN} is at level 3 of 5."),
        "battery": (
            "what is the battery of the massage gun",
            f"{GUN} battery is at 100 %.",
        ),
        "running": (
            "is the gun running",
            f"Yes, {GUN} is running: level 3, 5-minute timer.",
        ),
        "stop_gun": ("turn off the massage gun", f"Stopped {GUN}."),
        "stop_all": ("stop all massage", f"Stopped {FOOT}."),
    },
    "de": {
        "start_foot": (
            "schalte das Fußmassagegerät ein",
            f"{FOOT} gestartet: Stufe 1, Kneten, Wärme aus, Timer 10 Minuten.",
        ),
        "mode": (
            "stelle das Fußmassagegerät auf Rollen",
            f"{FOOT} ist auf Rollen gestellt.",
        ),
        "heat_on": (
            "schalte die Wärme am Fußmassagegerät ein",
            f"Wärme von {FOOT}: niedrig.",
        ),
        "heat_high": ("stelle die Wärme auf hoch", f"Wärme von {FOOT}: hoch."),
        "heat_off": ("schalte die Wärme aus", f"Die Wärme von {FOOT} ist aus."),
        "session": (
            "massiere meine Füße mit Wärme für 15 Minuten",
            f"{FOOT} gestartet: Stufe 1, Rollen, Wärme niedrig, Timer 15 Minuten.",
        ),
        "time_left": ("wie viel Zeit ist noch übrig", f"{FOOT} stoppt in 15 Minuten."),
        "start_gun": (
            "schalte die Massagepistole ein",
            f"{GUN} gestartet: Stufe 1, Timer 5 Minuten.",
        ),
        "gun_level": (
            "stelle die Massagepistole auf Stufe 3",
            f"{GUN} läuft auf Stufe 3 von 5.",
        ),
        "battery": (
            "wie voll ist der Akku der Massagepistole",
            f"Der Akku von {GUN} steht bei 100 %.",
        ),
        "running": ("läuft die Pistole", f"Ja, {GUN} läuft: Stufe 3, Timer 5 Minuten."),
        "stop_gun": ("schalte die Massagepistole aus", f"{GUN} gestoppt."),
        "stop_all": ("stoppe alle Massagen", f"{FOOT} gestoppt."),
    },
    "es": {
        "start_foot": (
            "enciende el masajeador de pies",
            (
                f"He puesto en marcha {FOOT}: nivel 1, amasado, calor apagado, "
                "temporizador de 10 minutos."
            ),
        ),
        "mode": (
            "pon el masajeador de pies en rodillos",
            f"{FOOT} está en el programa rodillos.",
        ),
        "heat_on": (
            "enciende el calor del masajeador de pies",
            f"Calor de {FOOT}: bajo.",
        ),
        "heat_high": ("pon el calor en alto", f"Calor de {FOOT}: alto."),
        "heat_off": ("apaga el calor", f"El calor de {FOOT} está apagado."),
        "session": (
            "masajea mis pies con calor durante 15 minutos",
            (
                f"He puesto en marcha {FOOT}: nivel 1, rodillos, calor bajo, "
                "temporizador de 15 minutos."
            ),
        ),
        "time_left": ("cuánto tiempo queda", f"{FOOT} se detiene en 15 minutos."),
        "start_gun": (
            "enciende la pistola de masaje",
            f"He puesto en marcha {GUN}: nivel 1, temporizador de 5 minutos.",
        ),
        "gun_level": (
            "pon la pistola de masaje en velocidad 3",
            f"{GUN} está en el nivel 3 de 5.",
        ),
        "battery": (
            "cuál es la batería de la pistola de masaje",
            f"La batería de {GUN} está al 100 %.",
        ),
        "running": (
            "está encendida la pistola",
            f"Sí, {GUN} está en marcha: nivel 3, temporizador de 5 minutos.",
        ),
        "stop_gun": ("apaga la pistola de masaje", f"He detenido {GUN}."),
        "stop_all": ("detén todos los masajes", f"He detenido {FOOT}."),
    },
    "fr": {
        "start_foot": (
            "allume le masseur de pieds",
            (
                f"J'ai démarré {FOOT} : niveau 1, pétrissage, chauffage arrêt, "
                "minuterie de 10 minutes."
            ),
        ),
        "mode": (
            "mets le masseur de pieds en roulement",
            f"{FOOT} est en programme roulement.",
        ),
        "heat_on": (
            "allume le chauffage du masseur de pieds",
            f"Chauffage de {FOOT} : faible.",
        ),
        "heat_high": ("mets le chauffage sur élevé", f"Chauffage de {FOOT} : élevé."),
        "heat_off": ("éteins le chauffage", f"Le chauffage de {FOOT} est coupé."),
        "session": (
            "masse mes pieds avec chaleur pendant 15 minutes",
            (
                f"J'ai démarré {FOOT} : niveau 1, roulement, chauffage faible, "
                "minuterie de 15 minutes."
            ),
        ),
        "time_left": (
            "combien de temps reste-t-il",
            f"{FOOT} s'arrête dans 15 minutes.",
        ),
        "start_gun": (
            "allume le pistolet de massage",
            f"J'ai démarré {GUN} : niveau 1, minuterie de 5 minutes.",
        ),
        "gun_level": (
            "mets le pistolet de massage au niveau 3",
            f"{GUN} est au niveau 3 sur 5.",
        ),
        "battery": (
            "quel est le niveau de batterie du pistolet de massage",
            f"La batterie de {GUN} est à 100 %.",
        ),
        "running": (
            "est-ce que le pistolet fonctionne",
            f"Oui, {GUN} fonctionne : niveau 3, minuterie de 5 minutes.",
        ),
        "stop_gun": ("éteins le pistolet de massage", f"J'ai arrêté {GUN}."),
        "stop_all": ("arrête tous les massages", f"J'ai arrêté {FOOT}."),
    },
}


@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
@pytest.mark.usefixtures("assist")
async def test_conversation(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    satellite: Satellite,
    language: str,
) -> None:
    """Each sentence does what it says and Assist says what happened."""
    gun, foot = gun_server.device, foot_leg_server.device
    conversation_ = CONVERSATIONS[language]
    assert set(conversation_) == {step for step, _ in STEPS}
    for step, check in STEPS:
        sentence, answer = conversation_[step]
        result = await say(hass, sentence, language, satellite)
        assert (step, speech(result)) == (step, answer)
        assert result.response.response_type is not IntentResponseType.ERROR
        await wait_for(hass, lambda check=check: check(gun, foot))


# Refusals: (language, sentence, what Assist says). Nothing changes on the devices.
REFUSALS: tuple[tuple[str, str, str], ...] = (
    (
        "en",
        "set the foot massager program to sauna",
        (
            f"{FOOT} has no programme called sauna. It has kneading, rolling, "
            "air compression and combined."
        ),
    ),
    (
        "de",
        "stelle das Fußmassagegerät auf Programm Sauna",
        (
            f"{FOOT} hat kein Programm Sauna. Es gibt Kneten, Rollen, "
            "Luftdruckmassage und Kombiniert."
        ),
    ),
    (
        "en",
        "massage my feet for 12 minutes",
        "A timer of 12 minutes is not offered; choose one of: 10, 15, 20, 30.",
    ),
    (
        "fr",
        "masse mes pieds pendant 12 minutes",
        (
            "Une minuterie de 12 minutes n'est pas proposée ; choisissez parmi : "
            "10, 15, 20, 30."
        ),
    ),
    ("en", "turn on the heat on the massage gun", f"{GUN} has no heater."),
    ("es", "enciende el calor de la pistola", f"{GUN} no tiene calefacción."),
    ("en", "what is the battery of the foot massager", f"{FOOT} has no battery."),
    (
        "en",
        "turn on the massager",
        f"Which one do you mean: {GUN} and {FOOT}?",
    ),
    (
        "en",
        "set the massage gun to level 7",
        ("Level 7 is out of range; this device has levels 1 to 5."),
    ),
)


@pytest.mark.parametrize(("language", "sentence", "answer"), REFUSALS)
@pytest.mark.usefixtures("assist")
async def test_refusal(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    satellite: Satellite,
    language: str,
    sentence: str,
    answer: str,
) -> None:
    """What the integration will not do, it says in words, and nothing runs."""
    result = await say(hass, sentence, language, satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == answer
    assert not gun_server.device.state.on
    assert not foot_leg_server.device.state.on


IDLE_ANSWERS: tuple[tuple[str, str], ...] = (
    ("how long is left", "No massager is running."),
    ("how long is left on the foot massager", f"{FOOT} is not running."),
    ("is the massage gun running", f"{GUN} is not running."),
    ("turn off the massage gun", f"{GUN} is already off."),
    ("stop all massage", "No massager is running."),
)


@pytest.mark.usefixtures("assist")
async def test_answers_while_idle(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    satellite: Satellite,
) -> None:
    """Asked about massagers that do not run, Assist says so and changes nothing."""
    for sentence, answer in IDLE_ANSWERS:
        result = await say(hass, sentence, "en", satellite)
        assert result.response.response_type is not IntentResponseType.ERROR
        assert (sentence, speech(result)) == (sentence, answer)
    assert not gun_server.device.state.on
    assert not foot_leg_server.device.state.on


@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        (
            "en",
            "turn on the foot massager",
            (
                f"{FOOT} cannot be reached right now. Check that it is switched on and "
                "on the network."
            ),
        ),
        (
            "de",
            "schalte das Fußmassagegerät ein",
            (
                f"{FOOT} ist derzeit nicht erreichbar. Prüfe, ob das Gerät "
                "eingeschaltet und mit dem Netzwerk verbunden ist."
            ),
        ),
    ],
)
@pytest.mark.usefixtures("assist")
async def test_unavailable_device(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    satellite: Satellite,
    language: str,
    sentence: str,
    answer: str,
) -> None:
    """A device that went away is named as unreachable, in the person's language."""
    foot_leg_server.faults.refuse_connections = True
    await wait_for(
        hass,
        lambda: hass.states.get("fan.foot_and_leg_massager").state == "unavailable",
    )
    result = await say(hass, sentence, language, satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == answer


@pytest.mark.usefixtures("assist")
async def test_satellite_area_picks_the_massager(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    satellite: Satellite,
) -> None:
    """Of two massagers, "the massager" is the one in the satellite's area."""
    area = ar.async_get(hass).async_create("Living room")
    dr.async_get(hass).async_update_device(satellite.device_id, area_id=area.id)
    foot = er.async_get(hass).async_get("fan.foot_and_leg_massager")
    assert foot is not None
    assert foot.device_id is not None
    dr.async_get(hass).async_update_device(foot.device_id, area_id=area.id)
    result = await say(hass, "turn on the massager", "en", satellite)
    assert speech(result).startswith(f"Started {FOOT}")
    await wait_for(hass, lambda: foot_leg_server.device.state.on)
    assert not gun_server.device.state.on


async def test_gun_refusals_by_voice(
    hass: HomeAssistant, gun_entry: MockConfigEntry, satellite: Satellite
) -> None:
    """What only a foot and leg massager can do is refused for a gun, in words."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    for sentence, answer in (
        ("massage my back with heat", f"{GUN} has no heater."),
        ("turn on the heat", "There is no massager here that can do that."),
    ):
        result = await say(hass, sentence, "en", satellite)
        assert result.response.response_type is IntentResponseType.ERROR
        assert speech(result) == answer


@pytest.mark.usefixtures("assist")
async def test_unloaded_device_is_unreachable(
    hass: HomeAssistant, foot_leg_entry: MockConfigEntry, satellite: Satellite
) -> None:
    """A massager whose entry is not loaded is named as unreachable."""
    await hass.config_entries.async_unload(foot_leg_entry.entry_id)
    result = await say(hass, "turn on the foot massager", "en", satellite)
    assert speech(result).startswith(f"{FOOT} cannot be reached right now.")


@pytest.mark.usefixtures("assist")
async def test_stop_all_names_what_it_could_not_stop(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    satellite: Satellite,
) -> None:
    """Stop all stops what it can, and says which massager it cannot reach."""
    await say(hass, "turn on the massage gun", "en", satellite)
    await say(hass, "turn on the foot massager", "en", satellite)
    await wait_for(hass, lambda: foot_leg_server.device.state.on)
    foot_leg_server.faults.refuse_connections = True
    await wait_for(hass, lambda: hass.states.get(FOOT_FAN).state == "unavailable")
    result = await say(hass, "stop all massage", "en", satellite)
    assert result.response.response_type is IntentResponseType.ACTION_DONE
    assert speech(result) == (
        f"Stopped {GUN}. {FOOT} cannot be reached right now. Check that it is "
        "switched on and on the network."
    )
    assert not gun_server.device.state.on

    # With nothing left it can stop, it is an error.
    result = await say(hass, "stop all massage", "en", satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result).startswith(f"{FOOT} cannot be reached right now.")


@pytest.mark.usefixtures("assist")
async def test_missing_heat_entity(
    hass: HomeAssistant, foot_leg_server: DeviceServer, satellite: Satellite
) -> None:
    """Without its heat switch in the registry, heat is refused, not misdirected."""
    er.async_get(hass).async_remove("switch.foot_and_leg_massager_heat")
    result = await say(hass, "turn off the heat", "en", satellite)
    assert speech(result) == f"{FOOT} has no heater."
    assert not foot_leg_server.device.state.on


@pytest.mark.usefixtures("assist")
async def test_not_allowed_is_said_in_words(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    hass_read_only_user: MockUser,
) -> None:
    """An error that is not the integration's own still comes as words."""
    result = await conversation.async_converse(
        hass,
        "turn on the foot massager",
        None,
        Context(user_id=hass_read_only_user.id),
        language="en",
    )
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == f"{FOOT} could not do that: Unauthorized"
    assert not foot_leg_server.device.state.on


@pytest.mark.usefixtures("assist")
async def test_last_minute(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    satellite: Satellite,
    frozen_time: FrozenDateTimeFactory,
) -> None:
    """In its last minute, a session "stops within a minute"."""
    await say(hass, "turn on the foot massager", "en", satellite)
    await wait_for(hass, lambda: foot_leg_server.device.state.on)
    frozen_time.tick(timedelta(minutes=9, seconds=30))
    result = await say(hass, "how long is left", "en", satellite)
    assert speech(result) == f"{FOOT} stops within a minute."


# Other ways to say it: each reaches the integration's intent, never a built-in one
# (whose answers would say "the fan", and which cannot start a gun from a satellite).
VARIANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("switch the foot massager on", "MassageStart"),
        ("activate the massage gun", "MassageStart"),
        ("the massager on", "MassageStart"),
        ("massage gun", "MassageStart"),
        ("start a massage with the foot massager at level 2", "MassageStart"),
        ("deactivate the massage gun", "MassageStop"),
        ("foot and leg massager off", "MassageStop"),
        ("stop all massagers", "MassageStopAll"),
        ("put the foot massager in rolling mode", "MassageSetMode"),
        ("change the foot massager to air compression", "MassageSetMode"),
        ("switch the heat of the foot massager off", "MassageSetHeat"),
        ("set the heat to level 1", "MassageSetHeat"),
        ("when will the foot massager stop", "MassageTimeLeft"),
        ("what's the massage gun's battery level", "MassageBattery"),
        ("how charged is the gun", "MassageBattery"),
        ("is the foot massager on", "MassageIsRunning"),
    ),
    "de": (
        ("Massagepistole anschalten", "MassageStart"),
        ("aktiviere das Massagegerät", "MassageStart"),
        ("starte das Fußmassagegerät auf Stufe 2 mit Kneten", "MassageStart"),
        ("deaktiviere die Massagepistole", "MassageStop"),
        ("Fußmassagegerät ausschalten", "MassageStop"),
        ("Massage beenden", "MassageStopAll"),
        ("stell das Fußmassagegerät auf Programm Rollen um", "MassageSetMode"),
        ("mach die Heizung vom Fußmassagegerät an", "MassageSetHeat"),
        ("stelle die Wärme auf Stufe 1", "MassageSetHeat"),
        ("wann stoppt das Fußmassagegerät", "MassageTimeLeft"),
        ("wie viel Akku hat die Massagepistole noch", "MassageBattery"),
        ("ist das Fußmassagegerät an", "MassageIsRunning"),
    ),
    "es": (
        ("activa la pistola de masaje", "MassageStart"),
        ("la pistola", "MassageStart"),
        ("inicia un masaje con el masajeador de pies a nivel 2", "MassageStart"),
        ("desactiva la pistola de masaje", "MassageStop"),
        ("para de masajear", "MassageStopAll"),
        ("cambia el masajeador de pies a modo amasado", "MassageSetMode"),
        ("quita el calor", "MassageSetHeat"),
        ("pon el calor en el nivel 1", "MassageSetHeat"),
        ("cuánto tiempo le queda al masajeador de pies", "MassageTimeLeft"),
        ("cuánta batería tiene la pistola", "MassageBattery"),
        ("el masajeador de pies está funcionando", "MassageIsRunning"),
    ),
    "fr": (
        ("active le pistolet de massage", "MassageStart"),
        ("lance un massage avec le masseur de pieds au niveau 2", "MassageStart"),
        ("coupe le pistolet", "MassageStop"),
        ("éteins tous les masseurs", "MassageStopAll"),
        ("passe le masseur de pieds en mode pétrissage", "MassageSetMode"),
        ("coupe le chauffage", "MassageSetHeat"),
        ("règle le chauffage au niveau 1", "MassageSetHeat"),
        ("combien de temps reste t il sur le masseur de pieds", "MassageTimeLeft"),
        ("batterie du pistolet", "MassageBattery"),
        ("est-ce que le masseur de pieds est en marche", "MassageIsRunning"),
    ),
}


@pytest.mark.parametrize("language", sorted(VARIANTS))
@pytest.mark.usefixtures("assist")
async def test_variants(
    hass: HomeAssistant, satellite: Satellite, language: str
) -> None:
    """Each phrasing is understood as the integration's own intent."""
    for sentence, intent_type in VARIANTS[language]:
        result = await say(hass, sentence, language, satellite)
        understood = result.response.intent
        assert (sentence, understood and understood.intent_type) == (
            sentence,
            intent_type,
        )
