"""The shipped sentences: installed for Assist, updated, never over a person's edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
import yaml

from custom_components.massage.intents import INTENTS, KINDS
from custom_components.massage.sentences import (
    SOURCE_DIR,
    install,
    installed_text,
    is_unchanged,
)
from custom_components.massage.voice import ALIASES
from emulator import DeviceServer

from .conftest import entry_for, setup_entry, wait_for

LANGUAGES = ("de", "en", "es", "fr")


def _shipped(language: str) -> str:
    return (SOURCE_DIR / f"{language}.yaml").read_text(encoding="utf-8")


def _installed(config_dir: Path, language: str) -> Path:
    return config_dir / "custom_sentences" / language / "massage.yaml"


def test_ships_four_languages() -> None:
    assert sorted(path.stem for path in SOURCE_DIR.glob("*.yaml")) == list(LANGUAGES)


def test_fresh_install_and_idempotence(tmp_path: Path) -> None:
    """Each language lands where the default agent reads it, once."""
    assert install(tmp_path) == list(LANGUAGES)
    for language in LANGUAGES:
        text = _installed(tmp_path, language).read_text(encoding="utf-8")
        assert text == installed_text(_shipped(language))
        assert text.endswith(_shipped(language))
        assert is_unchanged(text)
        # The header is YAML comments: the file is the shipped sentences.
        assert yaml.safe_load(text) == yaml.safe_load(_shipped(language))
    assert install(tmp_path) == []


def test_unchanged_file_is_updated(tmp_path: Path) -> None:
    """A file the integration wrote and nobody touched follows new versions."""
    target = _installed(tmp_path, "en")
    target.parent.mkdir(parents=True)
    target.write_text(installed_text("language: en\nintents: {}\n"), encoding="utf-8")
    assert "en" in install(tmp_path)
    assert target.read_text(encoding="utf-8") == installed_text(_shipped("en"))


@pytest.mark.parametrize(
    "content",
    [
        # The person edited the installed file.
        installed_text("language: en\nintents: {}\n").replace("{}", "{} # mine"),
        # The person's own file, without the integration's header.
        "language: en\nintents: {}\n",
        # A header whose hash was edited away.
        "# massage-sentences-sha256: \nlanguage: en\n",
    ],
    ids=["edited", "own_file", "broken_header"],
)
def test_a_persons_file_is_never_replaced(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the person changed stays as it is."""
    target = _installed(tmp_path, "en")
    target.parent.mkdir(parents=True)
    target.write_text(content, encoding="utf-8")
    assert "en" not in install(tmp_path)
    assert target.read_text(encoding="utf-8") == content
    assert "it was changed since it was installed" in caplog.text


async def test_sentences_work_when_assist_was_there_first(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """Added while Assist runs, the integration has Assist reload its sentences."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    result = await conversation.async_converse(
        hass, "massage my feet", None, Context(), language="en"
    )
    assert result.response.intent is None

    await setup_entry(hass, entry_for(foot_leg_server))
    assert _installed(Path(hass.config.config_dir), "en").is_file()
    result = await conversation.async_converse(
        hass, "massage my feet", None, Context(), language="en"
    )
    assert result.response.intent is not None
    assert result.response.intent.intent_type == "MassageStart"
    await wait_for(hass, lambda: foot_leg_server.device.state.on)


@pytest.fixture(params=LANGUAGES)
def sentences(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """A language and its shipped sentence file."""
    language: str = request.param
    return language, yaml.safe_load(_shipped(language))


def test_every_intent_has_sentences(sentences: tuple[str, dict[str, Any]]) -> None:
    """Each language speaks every intent, and only the integration's intents."""
    language, data = sentences
    assert data["language"] == language
    assert set(data["intents"]) == {voice.intent_type for voice in INTENTS}


def test_names_are_the_aliases(sentences: tuple[str, dict[str, Any]]) -> None:
    """The massager names the sentences know include every alias, of its kind."""
    language, data = sentences
    names = {
        value["in"].casefold(): value["out"]
        for value in data["lists"]["massage_name"]["values"]
    }
    assert set(names.values()) <= KINDS
    for kind, aliases in ALIASES[language].items():
        for alias in aliases:
            assert names[alias.casefold()] in {kind.value, "any"}, alias


def test_nothing_of_assist_is_overridden(
    sentences: tuple[str, dict[str, Any]],
) -> None:
    """Lists and rules are merged into Assist's own: ours carry a prefix."""
    _, data = sentences
    for section in ("lists", "expansion_rules"):
        assert all(name.startswith("massage_") for name in data[section]), section
    assert not set(data) - {"language", "intents", "lists", "expansion_rules"}


async def test_a_name_of_ones_own_added_to_the_sentences(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """As the README says: a name added to the installed list reaches the gun."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await setup_entry(hass, entry_for(gun_server))
    installed = _installed(Path(hass.config.config_dir), "en")
    text = installed.read_text(encoding="utf-8")
    text = text.replace(
        "  massage_name:\n    values:\n",
        '  massage_name:\n    values:\n      - "Theragun"\n',
    )
    await hass.async_add_executor_job(installed.write_text, text, "utf-8")
    er.async_get(hass).async_update_entity(
        "fan.massage_gun", aliases=[er.COMPUTED_NAME, "Theragun"]
    )
    await hass.services.async_call(
        "conversation", "reload", {"language": "en"}, blocking=True
    )

    result = await conversation.async_converse(
        hass, "turn on Theragun", None, Context(), language="en", device_id="voice"
    )
    assert result.response.speech["plain"]["speech"] == (
        "Started Massage Gun: level 1, 5-minute timer."
    )
    await wait_for(hass, lambda: gun_server.device.state.on)
    # The edited file is the person's now.
    assert "en" not in await hass.async_add_executor_job(
        install, Path(hass.config.config_dir)
    )


async def test_new_sentences_reach_an_untouched_file(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A file installed by an earlier version, untouched, takes the new sentences.

    The earlier version here is the shipped file without the routine intents: once
    the integration starts, Assist understands the routine sentences.
    """
    earlier = yaml.safe_load(_shipped("en"))
    earlier["intents"] = {
        name: data
        for name, data in earlier["intents"].items()
        if not name.startswith("MassageRoutine")
    }
    installed = _installed(Path(hass.config.config_dir), "en")
    installed.parent.mkdir(parents=True)
    body = yaml.safe_dump(earlier, allow_unicode=True, sort_keys=False)
    installed.write_text(installed_text(body), encoding="utf-8")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    result = await conversation.async_converse(
        hass, "start the leg cramp relief", None, Context(), language="en"
    )
    assert result.response.intent is None

    await setup_entry(hass, entry_for(gun_server))
    text = await hass.async_add_executor_job(installed.read_text, "utf-8")
    assert text == installed_text(_shipped("en"))
    result = await conversation.async_converse(
        hass, "start the leg cramp relief", None, Context(), language="en"
    )
    assert result.response.intent is not None
    assert result.response.intent.intent_type == "MassageRoutineStart"
