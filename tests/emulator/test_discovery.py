"""Tests of the zeroconf announcement's record and its loopback-only sockets."""

from __future__ import annotations

import pytest

from emulator import DeviceServer, foot_leg_profile
from emulator.discovery import (
    SERVICE_TYPE,
    ZeroconfAdvertiser,
    service_info,
)

from .conftest import MakeDevice, Serve


async def test_service_info_carries_the_protocol_txt_keys(
    make_device: MakeDevice, serve: Serve
) -> None:
    device = make_device(foot_leg_profile(device_id="footleg-00beef"))
    server = await serve(device, token="t")

    info = service_info(server)

    assert info.type == SERVICE_TYPE
    assert info.name == f"footleg-00beef.{SERVICE_TYPE}"
    assert info.server == "footleg-00beef.local."
    assert info.port == server.port
    assert info.parsed_addresses() == ["127.0.0.1"]
    assert info.decoded_properties == {
        "id": "footleg-00beef",
        "kind": "foot_leg",
        "model": "Shiatsu Comfort FL-3",
        "api": "1",
        "minor": "1",
        "auth": "1",
    }
    server.token = None
    assert service_info(server).decoded_properties["auth"] == "0"


async def test_a_1_0_device_announces_no_minor_version(
    make_device: MakeDevice, serve: Serve
) -> None:
    server = await serve(make_device(foot_leg_profile()), protocol="1.0")

    assert "minor" not in service_info(server).decoded_properties


def test_only_loopback_servers_are_announced(make_device: MakeDevice) -> None:
    server = DeviceServer(make_device(foot_leg_profile()), host="localhost", port=1)

    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        ZeroconfAdvertiser([server])


async def test_stopping_an_advertiser_that_never_started_does_nothing() -> None:
    await ZeroconfAdvertiser([]).stop()
