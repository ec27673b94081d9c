"""A relay on 127.0.0.1 that keeps a copy of every byte: the eavesdropper in tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Self


@dataclass
class Tap:
    """Hands every byte on between clients and a device port, and keeps a copy.

    It is what an eavesdropper on the network sees, and where a replay comes from.
    Point a client at `port`; `upstream` may change to reach another device.
    """

    upstream: int
    port: int = 0
    sent: bytearray = field(default_factory=bytearray)
    """Everything clients sent, in order."""
    received: bytearray = field(default_factory=bytearray)
    """Everything the device answered."""
    _server: asyncio.Server | None = None

    @classmethod
    async def start(cls, upstream: int) -> Self:
        """Listen on a free 127.0.0.1 port in front of `upstream`."""
        tap = cls(upstream)
        tap._server = await asyncio.start_server(tap._relay, "127.0.0.1", 0)
        tap.port = tap._server.sockets[0].getsockname()[1]
        return tap

    async def close(self) -> None:
        """Stop listening and cut every relayed connection."""
        if self._server is not None:
            self._server.close()
            self._server.close_clients()
            await self._server.wait_closed()
            self._server = None

    def requests(self) -> int:
        """How many HTTP requests went through (each is one round trip)."""
        return self.sent.count(b" HTTP/1.1\r\n")

    async def _relay(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Relay one connection both ways until either side closes."""
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)

        async def pump(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, copy: bytearray
        ) -> None:
            try:
                while data := await source.read(65536):
                    copy += data
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(
            pump(reader, up_writer, self.sent), pump(up_reader, writer, self.received)
        )
