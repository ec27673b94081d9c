"""Announces device servers over mDNS/DNS-SD, on the loopback interface only."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractContextManager
import socket
import sys
from typing import TYPE_CHECKING
from unittest.mock import patch

from .profiles import API_MINOR, API_VERSION
from .server import LOCALHOST

if TYPE_CHECKING:
    from zeroconf import IPVersion, ServiceInfo
    from zeroconf._utils.net import InterfacesType
    from zeroconf.asyncio import AsyncZeroconf

    from .server import DeviceServer

SERVICE_TYPE = "_massage._tcp.local."
_MDNS_GROUP = "224.0.0.251"
_MDNS_PORT = 5353
# Linux: deliver only multicast from groups this socket joined itself.
_IP_MULTICAST_ALL = getattr(socket, "IP_MULTICAST_ALL", 49)


def _loopback_sockets(
    interfaces: InterfacesType,
    unicast: bool,
    ip_version: IPVersion,
    apple_p2p: bool = False,
) -> tuple[socket.socket | None, list[socket.socket]]:
    """
    Open mDNS sockets that see and reach the loopback interface only.

    python-zeroconf binds its receiving socket to the wildcard address, which would
    answer queries from the whole network. This one binds to the mDNS group address
    instead and joins the group on 127.0.0.1 only; the answering socket is
    zeroconf's own, bound to 127.0.0.1 and sending out of the loopback interface.
    """
    from zeroconf._utils.net import (  # noqa: PLC0415
        new_respond_socket,
        set_so_reuseport_if_available,
    )

    listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Other mDNS stacks on this host may hold the port too.
    set_so_reuseport_if_available(listen)
    if sys.platform == "linux":  # pragma: no branch - the option is Linux's
        listen.setsockopt(socket.IPPROTO_IP, _IP_MULTICAST_ALL, 0)
    listen.bind((_MDNS_GROUP, _MDNS_PORT))
    listen.setsockopt(
        socket.IPPROTO_IP,
        socket.IP_ADD_MEMBERSHIP,
        socket.inet_aton(_MDNS_GROUP) + socket.inet_aton(LOCALHOST),
    )
    respond = new_respond_socket(LOCALHOST)
    if respond is None:  # pragma: no cover - 127.0.0.1 always exists
        listen.close()
        raise OSError("cannot open an mDNS socket on 127.0.0.1")
    return listen, [respond]


def _loopback_only() -> AbstractContextManager[object]:
    """Make zeroconf open `_loopback_sockets` while a Zeroconf is created."""
    from zeroconf import _core  # noqa: PLC0415

    # zeroconf has no public way to hand it sockets; it looks this name up in
    # its core module when a Zeroconf is created.
    return patch.object(_core, "create_sockets", _loopback_sockets)


def service_info(server: DeviceServer) -> ServiceInfo:
    """Return the DNS-SD record of a started server, with the protocol's TXT keys."""
    from zeroconf.asyncio import AsyncServiceInfo  # noqa: PLC0415

    profile = server.device.profile
    properties = {
        "id": profile.device_id,
        "kind": profile.kind,
        "model": profile.model,
        "api": str(API_VERSION),
        "auth": "1" if server.token else "0",
    }
    if server.protocol != "1.0":
        properties["minor"] = str(API_MINOR)
    return AsyncServiceInfo(
        SERVICE_TYPE,
        f"{profile.device_id}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(LOCALHOST)],
        port=server.port,
        properties=properties,
        server=f"{profile.device_id}.local.",
    )


class ZeroconfAdvertiser:
    """Announces started device servers as `_massage._tcp.local.` on 127.0.0.1."""

    def __init__(self, servers: Sequence[DeviceServer]) -> None:
        """Prepare announcements for `servers`; they must listen on 127.0.0.1."""
        if any(server.host != LOCALHOST for server in servers):
            raise ValueError("only servers on 127.0.0.1 are announced")
        self._servers = list(servers)
        self._zeroconf: AsyncZeroconf | None = None

    async def start(self) -> None:
        """Register every server and wait until they have been announced."""
        from zeroconf.asyncio import AsyncZeroconf  # noqa: PLC0415

        with _loopback_only():
            self._zeroconf = AsyncZeroconf(interfaces=[LOCALHOST])
        announcements = [
            # Device ids are unique, so probing for name conflicts is skipped.
            await self._zeroconf.async_register_service(
                service_info(server), cooperating_responders=True
            )
            for server in self._servers
        ]
        await asyncio.gather(*announcements)

    async def stop(self) -> None:
        """Withdraw the announcements and close the sockets."""
        if self._zeroconf is None:
            return
        zeroconf, self._zeroconf = self._zeroconf, None
        await zeroconf.async_unregister_all_services()
        await zeroconf.async_close()
