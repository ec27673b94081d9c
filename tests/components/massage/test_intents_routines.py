"""Routines by voice, through Assist's default agent, as a satellite without a user.

The emulated gun and foot and leg massager are behind the routine player, and the
clock is virtual: each sentence is checked by what the devices then do and by what
Assist says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation, conversation
from homeassistant.components.conversation.default_agent import DefaultAgent
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr
from homeassistant.helpers.intent import IntentResponseType
from homeassistant.setup import async_setup_component
import pytest

from custom_components.massage.routines.library import BUILT_IN_ROUTINES
from custom_components.massage.routines.player import CONF_ROUTINES
from emulator import DeviceServer, EmulatedDevice, gun_profile

from .conftest import FROZEN_NOW, serve, wait_for
from .routine_helpers import (
    advance,
    device_id,
    player,
    player_entry,
    quiet_heartbeats,
    record_events,
    setup_devices,
)
from .voice_helpers import Satellite, add_satellite, say, speech

GUN = "Massage Gun"


async def _assist(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()


@pytest.fixture
async def satellite(hass: HomeAssistant) -> Satellite:
    """A satellite device and its entity; the requests it sends carry no user."""
    return add_satellite(hass)


@pytest.fixture
async def both(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> AsyncIterator[tuple[EmulatedDevice, EmulatedDevice]]:
    """Both devices, the routine player and Assist, at a fixed time."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(gun_server, foot_leg_server):
        await setup_devices(hass, gun_server, foot_leg_server)
        await _assist(hass)
        yield gun_server.device, foot_leg_server.device


@pytest.fixture
async def gun_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, gun_server: DeviceServer
) -> AsyncIterator[EmulatedDevice]:
    """The gun alone, the routine player and Assist, at a fixed time."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(gun_server):
        await setup_devices(hass, gun_server)
        await _assist(hass)
        yield gun_server.device


@pytest.fixture
async def foot_leg_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> AsyncIterator[EmulatedDevice]:
    """The foot and leg massager alone, the routine player and Assist."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(foot_leg_server):
        await setup_devices(hass, foot_leg_server)
        await _assist(hass)
        yield foot_leg_server.device


type Check = Callable[[EmulatedDevice, EmulatedDevice], bool]


def _kneading(foot: EmulatedDevice) -> bool:
    """The foot massager in the first step of post-workout legs: 50 %, low heat."""
    state = foot.state
    return (
        state.on and state.mode == "kneading" and state.level == 2 and state.heat == 1
    )


# One routine, the same in each language: (step, seconds that pass before it,
# what the devices show after it). Gun first, foot and leg massager second.
STEPS: tuple[tuple[str, int, Check], ...] = (
    ("start", 0, lambda gun, foot: _kneading(foot) and not gun.state.on),
    ("time_left", 60, lambda gun, foot: _kneading(foot) and not gun.state.on),
    # The gun starts only now, at 50 % of its five levels.
    ("confirm", 0, lambda gun, _foot: gun.state.on and gun.state.level == 3),
    ("pause", 30, lambda gun, foot: not gun.state.on and not foot.state.on),
    ("paused_status", 0, lambda gun, foot: not gun.state.on and not foot.state.on),
    ("resume", 0, lambda gun, foot: _kneading(foot) and not gun.state.on),
    ("skip", 0, lambda gun, foot: _kneading(foot) and not gun.state.on),
    ("confirm_again", 0, lambda gun, _foot: gun.state.on and gun.state.level == 3),
    ("stop", 0, lambda gun, foot: not gun.state.on and not foot.state.on),
)

EN_KNEADING = (
    "Sit back with your feet and calves in the foot and leg massager. It kneads with "
    "gentle heat while you use the gun."
)
EN_CALVES = (
    "Move the gun slowly up and down your calf muscles, about a minute on each leg. "
    "Let the gun do the work; do not press hard."
)
EN_HAMSTRINGS = (
    "Move the gun slowly along the back of your thighs, about a minute on each leg. "
    "Keep away from the back of the knee."
)
EN_READY = f"When you hold {GUN} in place, say “ready”."
DE_KNEADING = (
    "Lehn dich zurück, Füße und Waden im Fuß- und Beinmassagegerät. Es knetet mit "
    "sanfter Wärme, während du die Pistole benutzt."
)
DE_CALVES = (
    "Führe die Pistole langsam an den Wadenmuskeln auf und ab, etwa eine Minute pro "
    "Bein. Lass die Pistole arbeiten; drück nicht fest."
)
DE_HAMSTRINGS = (
    "Führe die Pistole langsam über die Rückseite der Oberschenkel, etwa eine Minute "
    "pro Bein. Bleib weg von der Kniekehle."
)
DE_READY = f"Wenn du {GUN} in Position hältst, sag „bereit“."
ES_KNEADING = (
    "Recuéstate con los pies y las pantorrillas en el masajeador de pies y piernas. "
    "Amasa con un calor suave mientras usas la pistola."
)
ES_CALVES = (
    "Pasa la pistola despacio arriba y abajo por los músculos de la pantorrilla, "
    "alrededor de un minuto en cada pierna. Deja que la pistola trabaje; no presiones "
    "fuerte."
)
ES_HAMSTRINGS = (
    "Pasa la pistola despacio por la parte posterior de los muslos, alrededor de un "
    "minuto en cada pierna. Evita la parte de atrás de la rodilla."
)
ES_READY = f"Cuando tengas {GUN} en posición, di «listo»."
FR_KNEADING = (
    "Installez-vous, pieds et mollets dans le masseur pour pieds et jambes. Il "
    "pétrit avec une douce chaleur pendant que vous utilisez le pistolet."
)
FR_CALVES = (
    "Passez lentement le pistolet de haut en bas sur les muscles du mollet, environ "
    "une minute par jambe. Laissez le pistolet travailler ; n'appuyez pas fort."
)
FR_HAMSTRINGS = (
    "Passez lentement le pistolet à l'arrière des cuisses, environ une minute par "
    "jambe. Évitez l'arrière du genou."
)
FR_READY = f"Quand vous tenez {GUN} en place, dites « prêt »."

CONVERSATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "start": (
            "start a post-workout massage",
            (
                "Started Post-workout legs. Step 1 of 4: Warm kneading. "
                f"{EN_KNEADING} Step 2 of 4: Calves. {EN_CALVES} {EN_READY}"
            ),
        ),
        "time_left": (
            "how long is left",
            (
                "Post-workout legs ends in 9 minutes. It is at step 2 of 4: Calves. "
                f"{EN_READY}"
            ),
        ),
        "confirm": ("ready", f"Started {GUN} for step 2 of 4: Calves."),
        "pause": (
            "pause the routine",
            (
                "Paused Post-workout legs; its massagers are off until you resume it. "
                "It is at step 2 of 4: Calves."
            ),
        ),
        "paused_status": (
            "which step am I on",
            (
                "Post-workout legs is paused, with 9 minutes to go once you resume "
                "it. It is at step 2 of 4: Calves."
            ),
        ),
        "resume": (
            "resume the routine",
            (
                "Resumed Post-workout legs. Step 1 of 4: Warm kneading. "
                f"{EN_KNEADING} Step 2 of 4: Calves. {EN_CALVES} {EN_READY}"
            ),
        ),
        "skip": (
            "skip this step",
            (f"Skipped step 2. Step 3 of 4: Hamstrings. {EN_HAMSTRINGS} {EN_READY}"),
        ),
        "confirm_again": ("go ahead", f"Started {GUN} for step 3 of 4: Hamstrings."),
        "stop": (
            "stop the routine",
            "Stopped Post-workout legs; its massagers are off.",
        ),
    },
    "de": {
        "start": (
            "starte die Massage nach dem Training",
            (
                "Beine nach dem Training gestartet. Schritt 1 von 4: Warmes Kneten. "
                f"{DE_KNEADING} Schritt 2 von 4: Waden. {DE_CALVES} {DE_READY}"
            ),
        ),
        "time_left": (
            "wie lange dauert die Routine noch",
            (
                "Beine nach dem Training endet in 9 Minuten. Sie ist bei Schritt 2 "
                f"von 4: Waden. {DE_READY}"
            ),
        ),
        "confirm": ("bereit", f"{GUN} für Schritt 2 von 4 gestartet: Waden."),
        "pause": (
            "pausiere die Routine",
            (
                "Beine nach dem Training pausiert; ihre Massagegeräte sind aus, bis "
                "du sie fortsetzt. Sie ist bei Schritt 2 von 4: Waden."
            ),
        ),
        "paused_status": (
            "bei welchem Schritt bin ich",
            (
                "Beine nach dem Training ist pausiert; fortgesetzt dauert sie noch 9 "
                "Minuten. Sie ist bei Schritt 2 von 4: Waden."
            ),
        ),
        "resume": (
            "setze die Routine fort",
            (
                "Beine nach dem Training fortgesetzt. Schritt 1 von 4: Warmes Kneten. "
                f"{DE_KNEADING} Schritt 2 von 4: Waden. {DE_CALVES} {DE_READY}"
            ),
        ),
        "skip": (
            "überspringe den Schritt",
            (
                "Schritt 2 übersprungen. Schritt 3 von 4: Oberschenkelrückseite. "
                f"{DE_HAMSTRINGS} {DE_READY}"
            ),
        ),
        "confirm_again": (
            "los geht's",
            f"{GUN} für Schritt 3 von 4 gestartet: Oberschenkelrückseite.",
        ),
        "stop": (
            "stoppe die Routine",
            "Beine nach dem Training gestoppt; ihre Massagegeräte sind aus.",
        ),
    },
    "es": {
        "start": (
            "inicia el masaje después del entrenamiento",
            (
                "He iniciado Piernas después del entrenamiento. Paso 1 de 4: Amasado "
                f"con calor. {ES_KNEADING} Paso 2 de 4: Pantorrillas. {ES_CALVES} "
                f"{ES_READY}"
            ),
        ),
        "time_left": (
            "cuánto tiempo queda",
            (
                "Piernas después del entrenamiento termina en 9 minutos. Va por el "
                f"paso 2 de 4: Pantorrillas. {ES_READY}"
            ),
        ),
        "confirm": (
            "listo",
            f"He puesto en marcha {GUN} para el paso 2 de 4: Pantorrillas.",
        ),
        "pause": (
            "pausa la rutina",
            (
                "He puesto en pausa Piernas después del entrenamiento; sus "
                "masajeadores están apagados hasta que la reanudes. Va por el paso 2 "
                "de 4: Pantorrillas."
            ),
        ),
        "paused_status": (
            "en qué paso estoy",
            (
                "Piernas después del entrenamiento está en pausa; cuando la reanudes, "
                "quedarán 9 minutos. Va por el paso 2 de 4: Pantorrillas."
            ),
        ),
        "resume": (
            "reanuda la rutina",
            (
                "He reanudado Piernas después del entrenamiento. Paso 1 de 4: Amasado "
                f"con calor. {ES_KNEADING} Paso 2 de 4: Pantorrillas. {ES_CALVES} "
                f"{ES_READY}"
            ),
        ),
        "skip": (
            "salta este paso",
            (
                "He saltado el paso 2. Paso 3 de 4: Isquiotibiales. "
                f"{ES_HAMSTRINGS} {ES_READY}"
            ),
        ),
        "confirm_again": (
            "adelante",
            f"He puesto en marcha {GUN} para el paso 3 de 4: Isquiotibiales.",
        ),
        "stop": (
            "detén la rutina",
            (
                "He detenido Piernas después del entrenamiento; sus masajeadores "
                "están apagados."
            ),
        ),
    },
    "fr": {
        "start": (
            "lance le massage après l'entraînement",
            (
                "J'ai lancé Jambes après l'entraînement. Étape 1 sur 4 : Pétrissage "
                f"chaud. {FR_KNEADING} Étape 2 sur 4 : Mollets. {FR_CALVES} "
                f"{FR_READY}"
            ),
        ),
        "time_left": (
            "combien de temps reste-t-il",
            (
                "Jambes après l'entraînement se termine dans 9 minutes. Elle en est "
                f"à l'étape 2 sur 4 : Mollets. {FR_READY}"
            ),
        ),
        "confirm": ("prêt", f"J'ai démarré {GUN} pour l'étape 2 sur 4 : Mollets."),
        "pause": (
            "mets la routine en pause",
            (
                "J'ai mis Jambes après l'entraînement en pause ; ses masseurs sont à "
                "l'arrêt jusqu'à la reprise. Elle en est à l'étape 2 sur 4 : Mollets."
            ),
        ),
        "paused_status": (
            "à quelle étape suis-je",
            (
                "Jambes après l'entraînement est en pause ; il restera 9 minutes à la "
                "reprise. Elle en est à l'étape 2 sur 4 : Mollets."
            ),
        ),
        "resume": (
            "reprends la routine",
            (
                "J'ai repris Jambes après l'entraînement. Étape 1 sur 4 : Pétrissage "
                f"chaud. {FR_KNEADING} Étape 2 sur 4 : Mollets. {FR_CALVES} "
                f"{FR_READY}"
            ),
        ),
        "skip": (
            "passe cette étape",
            (
                "J'ai passé l'étape 2. Étape 3 sur 4 : Ischio-jambiers. "
                f"{FR_HAMSTRINGS} {FR_READY}"
            ),
        ),
        "confirm_again": (
            "vas-y",
            f"J'ai démarré {GUN} pour l'étape 3 sur 4 : Ischio-jambiers.",
        ),
        "stop": (
            "arrête la routine",
            "J'ai arrêté Jambes après l'entraînement ; ses masseurs sont à l'arrêt.",
        ),
    },
}


@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
async def test_routine_by_voice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
    language: str,
) -> None:
    """A whole routine by voice: each sentence does what it says, and Assist says so."""
    gun, foot = both
    sentences = CONVERSATIONS[language]
    assert set(sentences) == {step for step, _, _ in STEPS}
    for step, seconds, check in STEPS:
        await advance(hass, freezer, seconds)
        sentence, answer = sentences[step]
        result = await say(hass, sentence, language, satellite)
        assert (step, speech(result)) == (step, answer)
        assert result.response.response_type is not IntentResponseType.ERROR
        assert (step, check(gun, foot)) == (step, True)
    assert player(hass).run is not None
    assert player(hass).run.ended


# Each built-in routine by the names people say, and the devices they name.
ROUTINE_NAMES: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {
    "en": (
        ("start a post-workout massage", {"routine": "post_workout_legs"}),
        ("start the post workout legs routine", {"routine": "post_workout_legs"}),
        ("run the lower back spasm relief", {"routine": "lower_back_spasm"}),
        ("start the back spasm relief", {"routine": "lower_back_spasm"}),
        ("start the neck tension routine", {"routine": "neck_tension"}),
        ("start the leg cramp relief", {"routine": "leg_cramp"}),
        ("start the calf cramp massage", {"routine": "leg_cramp"}),
        ("start the foot and calf circulation", {"routine": "foot_calf_circulation"}),
        (
            "start the leg cramp relief on the massage gun",
            {"routine": "leg_cramp", "name": "gun"},
        ),
        (
            "start post-workout legs with the gun and the foot massager",
            {"routine": "post_workout_legs", "name": "gun", "other_name": "foot_leg"},
        ),
        ("start the routine evening legs", {"routine": "evening legs"}),
        ("start my evening legs routine", {"routine": "evening legs"}),
        ("start the routine", {}),
    ),
    "de": (
        ("starte Beine nach dem Training", {"routine": "post_workout_legs"}),
        (
            "starte die Routine Verspannung im unteren Rücken",
            {"routine": "lower_back_spasm"},
        ),
        ("starte die Nackenverspannung", {"routine": "neck_tension"}),
        ("Wadenkrampf starten", {"routine": "leg_cramp"}),
        (
            "starte die Durchblutung von Füßen und Waden",
            {"routine": "foot_calf_circulation"},
        ),
        (
            "starte den Wadenkrampf mit der Massagepistole",
            {"routine": "leg_cramp", "name": "gun"},
        ),
        ("starte die Routine Abendbeine", {"routine": "Abendbeine"}),
        ("starte die Routine", {}),
    ),
    "es": (
        (
            "inicia la rutina piernas después del entrenamiento",
            {"routine": "post_workout_legs"},
        ),
        ("empieza el alivio de espasmos lumbares", {"routine": "lower_back_spasm"}),
        ("inicia la rutina de tensión en el cuello", {"routine": "neck_tension"}),
        ("inicia el alivio de calambres en la pierna", {"routine": "leg_cramp"}),
        (
            "comienza la circulación de pies y pantorrillas",
            {"routine": "foot_calf_circulation"},
        ),
        (
            "empieza el alivio de calambres en la pierna con la pistola",
            {"routine": "leg_cramp", "name": "gun"},
        ),
        ("inicia la rutina piernas de noche", {"routine": "piernas de noche"}),
        ("inicia la rutina", {}),
    ),
    "fr": (
        (
            "lance la routine jambes après l'entraînement",
            {"routine": "post_workout_legs"},
        ),
        ("lance le spasme du bas du dos", {"routine": "lower_back_spasm"}),
        ("démarre la tension dans la nuque", {"routine": "neck_tension"}),
        ("lance la routine crampe à la jambe", {"routine": "leg_cramp"}),
        (
            "commence la circulation des pieds et des mollets",
            {"routine": "foot_calf_circulation"},
        ),
        (
            "démarre la crampe à la jambe avec le pistolet",
            {"routine": "leg_cramp", "name": "gun"},
        ),
        ("lance la routine jambes du soir", {"routine": "jambes du soir"}),
        ("lance la routine", {}),
    ),
}

# The other routine sentences, by the intent each must reach.
ROUTINE_SENTENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("pause the massage", "MassageRoutinePause"),
        ("continue the massage", "MassageRoutineResume"),
        ("next step", "MassageRoutineSkip"),
        ("cancel the massage routine", "MassageRoutineStop"),
        ("I'm ready", "MassageRoutineConfirm"),
        ("confirm the gun step", "MassageRoutineConfirm"),
        ("how long is left on the routine", "MassageRoutineStatus"),
        ("when does the routine end", "MassageRoutineStatus"),
        ("stop the massage", "MassageStopAll"),
        ("start the foot massager", "MassageStart"),
    ),
    "de": (
        ("Routine pausieren", "MassageRoutinePause"),
        ("mach mit der Massage weiter", "MassageRoutineResume"),
        ("nächster Schritt", "MassageRoutineSkip"),
        ("Routine abbrechen", "MassageRoutineStop"),
        ("ich bin bereit", "MassageRoutineConfirm"),
        ("wann endet die Routine", "MassageRoutineStatus"),
        ("wie viel Zeit ist noch übrig", "MassageTimeLeft"),
        ("stoppe alle Massagen", "MassageStopAll"),
    ),
    "es": (
        ("pon la rutina en pausa", "MassageRoutinePause"),
        ("continúa la rutina", "MassageRoutineResume"),
        ("siguiente paso", "MassageRoutineSkip"),
        ("cancela la rutina", "MassageRoutineStop"),
        ("estoy lista", "MassageRoutineConfirm"),
        ("cuánto queda de la rutina", "MassageRoutineStatus"),
        ("detén todos los masajes", "MassageStopAll"),
    ),
    "fr": (
        ("mets le massage en pause", "MassageRoutinePause"),
        ("reprends le massage", "MassageRoutineResume"),
        ("étape suivante", "MassageRoutineSkip"),
        ("annule la routine", "MassageRoutineStop"),
        ("je suis prête", "MassageRoutineConfirm"),
        ("combien de temps reste-t-il à la routine", "MassageRoutineStatus"),
        ("arrête tous les massages", "MassageStopAll"),
    ),
}


async def _understood(
    hass: HomeAssistant, text: str, language: str
) -> tuple[str, dict[str, Any]] | None:
    """What the default agent makes of a sentence, without carrying it out."""
    agent = conversation.async_get_agent(hass)
    assert isinstance(agent, DefaultAgent)
    result = await agent.async_recognize_intent(
        conversation.ConversationInput(
            text=text,
            context=Context(),
            conversation_id=None,
            device_id=None,
            satellite_id=None,
            language=language,
            agent_id=conversation.HOME_ASSISTANT_AGENT,
        )
    )
    if result is None:
        return None
    return result.intent.name, {
        name: entity.value for name, entity in result.entities.items()
    }


@pytest.mark.parametrize("language", sorted(ROUTINE_NAMES))
async def test_routine_names_and_sentences(hass: HomeAssistant, language: str) -> None:
    """The routines' names and every routine sentence are understood, per language."""
    named = {slots.get("routine") for _, slots in ROUTINE_NAMES[language]}
    assert named >= set(BUILT_IN_ROUTINES)
    assert await async_setup_component(hass, "massage", {})
    await _assist(hass)
    for sentence, slots in ROUTINE_NAMES[language]:
        assert (sentence, await _understood(hass, sentence, language)) == (
            sentence,
            ("MassageRoutineStart", slots),
        )
    for sentence, intent_type in ROUTINE_SENTENCES[language]:
        understood = await _understood(hass, sentence, language)
        assert (sentence, understood and understood[0]) == (sentence, intent_type)


REFUSAL_AUTOMATION = (
    "Only you can start the massage gun for a routine step: say “ready” to a voice "
    "assistant, or press Confirm step. An automation cannot confirm it."
)


async def test_automation_cannot_confirm_the_gun(
    hass: HomeAssistant,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
) -> None:
    """An automation passing "ready" to Assist is refused in words; the gun stays off.

    The same word from a satellite then starts the gun.
    """
    gun, _foot = both
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": [{"trigger": "event", "event_type": "confirm_by_voice"}],
                "actions": [
                    {
                        "action": "conversation.process",
                        "data": {"text": "ready", "language": "en"},
                        "response_variable": "said",
                    },
                    {
                        "event": "answered",
                        "event_data": {
                            "speech": "{{ said.response.speech.plain.speech }}",
                            "type": "{{ said.response.response_type }}",
                        },
                    },
                ],
            }
        },
    )
    answers: list[Event[dict[str, Any]]] = []
    hass.bus.async_listen("answered", answers.append)
    await say(hass, "start the leg cramp relief", "en", satellite)
    await say(hass, "skip this step", "en", satellite)
    assert player(hass).run is not None
    assert player(hass).run.waiting

    hass.bus.async_fire("confirm_by_voice")
    await hass.async_block_till_done()
    assert [(event.data["speech"], event.data["type"]) for event in answers] == [
        (REFUSAL_AUTOMATION, "error")
    ]
    assert not gun.state.on
    assert player(hass).run.waiting

    result = await say(hass, "ready", "en", satellite)
    assert speech(result) == f"Started {GUN} for step 2 of 3: Gently on the calf."
    assert gun.state.on


@pytest.mark.parametrize(
    ("language", "answer"),
    [
        ("en", REFUSAL_AUTOMATION),
        (
            "de",
            (
                "Nur du selbst kannst die Massagepistole für einen Routineschritt "
                "starten: Sag „bereit“ zu einem Sprachassistenten oder drück „Schritt "
                "bestätigen“. Eine Automatisierung kann das nicht bestätigen."
            ),
        ),
    ],
)
async def test_confirmation_without_a_person_is_refused(
    hass: HomeAssistant,
    gun_only: EmulatedDevice,
    satellite: Satellite,
    language: str,
    answer: str,
) -> None:
    """A request with neither a user nor a voice device never confirms a gun step."""
    await say(hass, "start the leg cramp relief", "en", satellite)
    await say(hass, "skip this step", "en", satellite)
    result = await conversation.async_converse(
        hass,
        {"en": "ready", "de": "bereit"}[language],
        None,
        Context(),
        language=language,
    )
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == answer
    assert not gun_only.state.on


# Refusals while nothing runs: (language, sentence, what Assist says).
NOTHING_RUNS: tuple[tuple[str, str, str], ...] = (
    ("en", "pause the routine", "No routine is running."),
    ("en", "resume the routine", "No routine is running."),
    ("en", "skip this step", "No routine is running."),
    ("en", "stop the routine", "No routine is running."),
    ("en", "ready", "No routine is running."),
    ("de", "pausiere die Routine", "Es läuft keine Routine."),
    ("es", "salta este paso", "No hay ninguna rutina en marcha."),
    ("fr", "arrête la routine", "Aucune routine n'est en cours."),
)


@pytest.mark.parametrize(("language", "sentence", "answer"), NOTHING_RUNS)
async def test_nothing_runs(
    hass: HomeAssistant,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
    language: str,
    sentence: str,
    answer: str,
) -> None:
    """Controls of a routine that does not run are refused in words."""
    result = await say(hass, sentence, language, satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == answer
    gun, foot = both
    assert not gun.state.on
    assert not foot.state.on


async def test_asked_while_nothing_runs(
    hass: HomeAssistant,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
) -> None:
    """Asked where a routine is while none runs, Assist says so; no error."""
    result = await say(hass, "which step am I on", "en", satellite)
    assert result.response.response_type is IntentResponseType.QUERY_ANSWER
    assert speech(result) == "No routine is running."
    result = await say(hass, "how long is left", "en", satellite)
    assert speech(result) == "No massager is running."


async def test_nothing_waits_for_confirmation(
    hass: HomeAssistant,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
) -> None:
    """A routine without a waiting gun step has nothing to confirm."""
    gun, foot = both
    result = await say(hass, "start the foot circulation", "en", satellite)
    assert speech(result).startswith(
        "Started Foot and calf circulation. Step 1 of 3: Warm feet."
    )
    assert foot.state.on
    result = await say(hass, "ready", "en", satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == "No step is waiting for confirmation."
    assert not gun.state.on
    result = await say(hass, "start the leg cramp relief", "en", satellite)
    assert speech(result) == "A routine is running; stop it before you start another."
    assert not gun.state.on


@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        (
            "en",
            "start the routine yoga",
            (
                "I don't know a routine called yoga. There are Post-workout legs, "
                "Lower back spasm relief, Neck tension, Leg cramp relief and Foot "
                "and calf circulation."
            ),
        ),
        (
            "fr",
            "lance la routine yoga",
            (
                "Je ne connais aucune routine appelée yoga. Il y a Jambes après "
                "l'entraînement, Spasme du bas du dos, Tension dans la nuque, Crampe "
                "à la jambe et Circulation des pieds et des mollets."
            ),
        ),
    ],
)
async def test_unknown_routine(
    hass: HomeAssistant,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
    language: str,
    sentence: str,
    answer: str,
) -> None:
    """A routine nobody knows is refused with the names of those there are."""
    result = await say(hass, sentence, language, satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == answer
    assert player(hass).run is None


@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        (
            "en",
            "start the leg cramp relief",
            "Leg cramp relief needs a massage gun, and there is none here.",
        ),
        (
            "es",
            "inicia el alivio de calambres en la pierna",
            (
                "Alivio de calambres en la pierna necesita una pistola de masaje, y "
                "aquí no hay ninguna."
            ),
        ),
        (
            "de",
            "starte Beine nach dem Training",
            (
                "Beine nach dem Training braucht eine Massagepistole, und hier gibt "
                "es keine."
            ),
        ),
    ],
)
async def test_routine_without_a_device_for_a_role(
    hass: HomeAssistant,
    foot_leg_only: EmulatedDevice,
    satellite: Satellite,
    language: str,
    sentence: str,
    answer: str,
) -> None:
    """A routine whose role has no massager is refused with the role in words."""
    result = await say(hass, sentence, language, satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == answer
    assert not foot_leg_only.state.on
    assert player(hass).run is None


async def test_foot_leg_role_missing_and_a_device_without_a_part(
    hass: HomeAssistant, gun_only: EmulatedDevice, satellite: Satellite
) -> None:
    """Without a foot and leg massager, its routines are refused; the gun has none."""
    result = await say(hass, "start the foot circulation", "en", satellite)
    assert speech(result) == (
        "Foot and calf circulation needs a foot and leg massager, and there is none "
        "here."
    )
    result = await say(
        hass, "start the foot circulation with the massage gun", "en", satellite
    )
    assert speech(result) == f"{GUN} has no part in Foot and calf circulation."
    assert not gun_only.state.on
    assert player(hass).run is None


@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        (
            "en",
            "start the leg cramp relief",
            (
                "The routine player is not set up. Add it from Settings > Devices & "
                "services > Add integration > Massage."
            ),
        ),
        (
            "de",
            "Routine pausieren",
            (
                "Der Routinen-Player ist nicht eingerichtet. Füge ihn unter "
                "Einstellungen > Geräte & Dienste > Integration hinzufügen > "
                "Massage hinzu."
            ),
        ),
        (
            "en",
            "which step am I on",
            (
                "The routine player is not set up. Add it from Settings > Devices & "
                "services > Add integration > Massage."
            ),
        ),
    ],
)
async def test_without_the_routine_player(
    hass: HomeAssistant,
    gun_only: EmulatedDevice,
    satellite: Satellite,
    language: str,
    sentence: str,
    answer: str,
) -> None:
    """Without the routine player, routines are refused with how to add it."""
    assert await hass.config_entries.async_unload(player_entry(hass).entry_id)
    result = await say(hass, sentence, language, satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == answer
    assert not gun_only.state.on
    # Without the player, the time left is a massager's, and stop all still works.
    result = await say(hass, "how long is left", "en", satellite)
    assert speech(result) == "No massager is running."
    result = await say(hass, "stop all massage", "en", satellite)
    assert speech(result) == "No massager is running."


async def test_stop_all_stops_the_routine(
    hass: HomeAssistant,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
) -> None:
    """Stop all massage ends a routine too, as stopped, and leaves every device off."""
    gun, foot = both
    fired = record_events(hass)
    await say(hass, "start a post-workout massage", "en", satellite)
    await say(hass, "ready", "en", satellite)
    assert gun.state.on
    assert foot.state.on
    result = await say(hass, "stop all massage", "en", satellite)
    assert speech(result) == "Stopped Post-workout legs; its massagers are off."
    assert not gun.state.on
    assert not foot.state.on
    assert fired.types[-1] == "routine_aborted"
    assert fired.last("routine_aborted")["reason"] == "stopped"

    # With a massager running outside the routine, both are said.
    await say(hass, "start the leg cramp relief", "en", satellite)
    await say(hass, "turn on the foot massager", "en", satellite)
    result = await say(hass, "stop all massage", "en", satellite)
    assert speech(result) == (
        "Stopped Leg cramp relief; its massagers are off. Stopped Foot and Leg "
        "Massager."
    )
    assert not foot.state.on


async def test_skipping_the_last_step_finishes(
    hass: HomeAssistant, gun_only: EmulatedDevice, satellite: Satellite
) -> None:
    """Skipping the last step ends the routine with its closing advice."""
    await say(hass, "start the leg cramp relief", "en", satellite)
    for step in (1, 2):
        result = await say(hass, "skip this step", "en", satellite)
        assert speech(result).startswith(f"Skipped step {step}. Step {step + 1} of 3")
    result = await say(hass, "skip this step", "en", satellite)
    assert speech(result) == (
        "Skipped step 3. Routine done. Drink some water, stretch gently and rest. If "
        "pain or cramps persist, see a doctor."
    )
    assert not gun_only.state.on
    assert player(hass).run is not None
    assert player(hass).run.ended


async def test_skip_goes_on_with_the_other_device(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
) -> None:
    """Once the gun's steps are skipped, the step said is the foot massager's."""
    gun, foot = both
    await say(hass, "start a post-workout massage", "en", satellite)
    for _ in range(2):
        await say(hass, "skip this step", "en", satellite)
    result = await say(hass, "skip this step", "en", satellite)
    assert speech(result) == (
        "Skipped step 4. Step 1 of 4: Warm kneading. Sit back with your feet and "
        "calves in the foot and leg massager. It kneads with gentle heat while you use "
        "the gun."
    )
    assert foot.state.on
    assert not gun.state.on
    await advance(hass, freezer, timedelta(minutes=9, seconds=30))
    result = await say(hass, "how long is left", "en", satellite)
    assert speech(result) == (
        "Post-workout legs ends within a minute. It is at step 1 of 4: Warm kneading."
    )
    await say(hass, "pause the routine", "en", satellite)
    result = await say(hass, "how long is left", "en", satellite)
    assert speech(result) == (
        "Post-workout legs is paused, with less than a minute to go once you resume "
        "it. It is at step 1 of 4: Warm kneading."
    )
    await advance(hass, freezer, timedelta(minutes=5))
    await say(hass, "resume the routine", "en", satellite)
    await advance(hass, freezer, 30)
    assert player(hass).run is not None
    assert player(hass).run.ended
    assert not foot.state.on


async def test_own_routine_and_the_chosen_one(
    hass: HomeAssistant,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
) -> None:
    """A routine of one's own starts by its name; "the routine" is the chosen one."""
    gun, foot = both
    entry = player_entry(hass)
    hass.config_entries.async_update_entry(
        entry,
        options={
            CONF_ROUTINES: {
                "evening_legs": [
                    {
                        "role": "foot_leg",
                        "body_area": "feet_and_calves",
                        "mode": "rolling",
                        "level": 1,
                        "duration": 300,
                        "prompt": "circulation_rolling",
                    }
                ]
            }
        },
    )
    await hass.async_block_till_done()
    result = await say(hass, "start my evening legs routine", "en", satellite)
    assert speech(result) == (
        "Started evening legs. Step 1 of 1: Rolling. The heat is off now; the "
        "massager rolls over your feet and calves to finish."
    )
    assert foot.state.mode == "rolling"
    await say(hass, "stop the routine", "en", satellite)

    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.massage_routines_routine", "option": "neck_tension"},
        blocking=True,
    )
    result = await say(hass, "start the routine", "en", satellite)
    assert speech(result).startswith(
        "Started Neck tension. Step 1 of 4: Relax the neck."
    )
    assert not gun.state.on


async def test_satellite_area_picks_the_gun(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    satellite: Satellite,
) -> None:
    """Of two guns, the one in the satellite's area plays, else the chosen one.

    With neither, the assistant asks which.
    """
    freezer.move_to(FROZEN_NOW)
    second = EmulatedDevice(gun_profile(device_id="gun-0002", name="Travel Gun"))
    async with serve(hass, second) as second_server:
        with quiet_heartbeats(gun_server, second_server):
            await setup_devices(hass, gun_server, second_server)
            await _assist(hass)
            result = await say(hass, "start the leg cramp relief", "en", satellite)
            assert speech(result) == (f"Which one do you mean: {GUN} and Travel Gun?")
            result = await say(
                hass, "start the leg cramp relief with the gun", "en", satellite
            )
            assert speech(result) == f"Which one do you mean: {GUN} and Travel Gun?"
            assert player(hass).run is None

            # The gun a person chose on the routine player plays, unless the
            # satellite's area says otherwise.
            await hass.services.async_call(
                "select",
                "select_option",
                {"entity_id": "select.massage_routines_massage_gun", "option": GUN},
                blocking=True,
            )
            result = await say(hass, "start the leg cramp relief", "en", satellite)
            assert speech(result).startswith("Started Leg cramp relief.")
            run = player(hass).run
            assert run is not None
            assert [track.device.name for track in run.tracks] == [GUN]
            await say(hass, "stop the routine", "en", satellite)

            area = ar.async_get(hass).async_create("Bedroom")
            devices = dr.async_get(hass)
            devices.async_update_device(satellite.device_id, area_id=area.id)
            devices.async_update_device(device_id(hass, second_server), area_id=area.id)
            result = await say(hass, "start the leg cramp relief", "en", satellite)
            assert speech(result).startswith("Started Leg cramp relief.")
            run = player(hass).run
            assert run is not None
            assert [track.device.name for track in run.tracks] == ["Travel Gun"]
            await say(hass, "stop the routine", "en", satellite)


# A step any foot and leg massager can do: no programme, no heat.
PLAIN_FEET = {
    "role": "foot_leg",
    "body_area": "feet_and_calves",
    "level": 1,
    "duration": 300,
    "prompt": "circulation_rolling",
}


async def test_the_foot_massager_that_can_play_the_routine_is_taken(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    unheated_foot_leg: DeviceServer,
    satellite: Satellite,
) -> None:
    """Of two foot massagers, a warm routine takes the heated one, as Start does.

    A routine both can play asks which one.
    """
    with quiet_heartbeats(foot_leg_server, unheated_foot_leg):
        await setup_devices(hass, foot_leg_server, unheated_foot_leg)
        await _assist(hass)
        result = await say(hass, "start the foot circulation", "en", satellite)
        assert speech(result).startswith("Started Foot and calf circulation.")
        run = player(hass).run
        assert run is not None
        assert [track.device.name for track in run.tracks] == ["Foot and Leg Massager"]
        await say(hass, "stop the routine", "en", satellite)

        # Without heat, both can play: the person is asked.
        hass.config_entries.async_update_entry(
            player_entry(hass),
            options={CONF_ROUTINES: {"plain_feet": [PLAIN_FEET]}},
        )
        await hass.async_block_till_done()
        result = await say(hass, "start my plain feet routine", "en", satellite)
        assert speech(result) == (
            "Which one do you mean: Foot and Leg Massager and Plug Massager?"
        )
        assert player(hass).run is run  # the stopped one: nothing new started


async def test_unreachable_gun(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    both: tuple[EmulatedDevice, EmulatedDevice],
    satellite: Satellite,
) -> None:
    """A gun that cannot be reached is named; nothing starts."""
    gun_server.faults.refuse_connections = True
    await _wait_unavailable(hass, "fan.massage_gun")
    result = await say(hass, "start a post-workout massage", "en", satellite)
    assert result.response.response_type is IntentResponseType.ERROR
    assert speech(result) == (
        f"{GUN} cannot be reached right now. Check that it is switched on and on the "
        "network."
    )
    assert not foot_leg_server.device.state.on
    assert player(hass).run is None


async def _wait_unavailable(hass: HomeAssistant, entity_id: str) -> None:
    await wait_for(
        hass,
        lambda: (
            (state := hass.states.get(entity_id)) is not None
            and state.state == "unavailable"
        ),
    )


README = Path(__file__).parents[3] / "README.md"
README_LANGUAGES = ("en", "de", "es", "fr")
# The README's rows of routine sentences, by the intents each may reach ("how long
# is left" is the massagers' question, answered for the routine while one runs).
README_ROWS = {
    "start": {"MassageRoutineStart"},
    "on named devices": {"MassageRoutineStart"},
    "your own routine": {"MassageRoutineStart"},
    "the chosen routine": {"MassageRoutineStart"},
    "confirm the gun step": {"MassageRoutineConfirm"},
    "pause": {"MassageRoutinePause"},
    "resume": {"MassageRoutineResume"},
    "skip a step": {"MassageRoutineSkip"},
    "stop": {"MassageRoutineStop"},
    "time left, step": {"MassageRoutineStatus", "MassageTimeLeft"},
}
# How each language starts a routine by a name from the README's table of names.
START_BY_NAME = {
    "en": "start the {}",
    "de": "starte {}",
    "es": "inicia {}",
    "fr": "lance {}",
}


def _readme_tables() -> list[list[list[str]]]:
    """The tables of the README's "Routines by voice" section, as rows of cells."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Routines by voice\n", 1)[1].split("\n### ", 1)[0]
    tables: list[list[list[str]]] = [[]]
    for line in section.splitlines():
        if not line.startswith("|"):
            if tables[-1]:
                tables.append([])
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not all(cell and set(cell) <= {"-"} for cell in cells):
            tables[-1].append(cells)
    return [table for table in tables if table]


@pytest.mark.parametrize("language", README_LANGUAGES)
async def test_readme_sentences_are_understood(
    hass: HomeAssistant, language: str
) -> None:
    """Every routine sentence and name the README gives works as it says."""
    sentences, names = _readme_tables()
    column = sentences[0].index(
        {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français"}[language]
    )
    assert {row[0] for row in sentences[1:]} == set(README_ROWS)
    assert {row[0].strip("`") for row in names[1:]} == set(BUILT_IN_ROUTINES)
    assert await async_setup_component(hass, "massage", {})
    await _assist(hass)
    for row in sentences[1:]:
        for sentence in row[column].split("; "):
            understood = await _understood(hass, sentence, language)
            assert understood is not None, sentence
            assert understood[0] in README_ROWS[row[0]], sentence
    for row in names[1:]:
        for name in row[column].split(", "):
            sentence = START_BY_NAME[language].format(name)
            assert (sentence, await _understood(hass, sentence, language)) == (
                sentence,
                ("MassageRoutineStart", {"routine": row[0].strip("`")}),
            )
