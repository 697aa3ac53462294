"""The asyncssh hosts: a jump host on TCP, and hosts reachable only through a jump host's forwarding (the target,
and the second bastion of the two-hop chain, which forwards to the target in turn)."""

from __future__ import annotations

import asyncio
import hmac
import posixpath
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import asyncssh

from lab.ssh_hosts.sessions import run_command


@dataclass(frozen=True)
class LabHost:
    """One lab host: who may log in, how it identifies itself, what its sessions see."""

    hostname: str
    username: str
    password: str
    host_key: asyncssh.SSHKey
    client_key: asyncssh.SSHKey
    environment: dict[str, str]


@dataclass
class Connections:
    """Every live server connection, so ``stop`` can close them all."""

    live: set[asyncssh.SSHServerConnection] = field(default_factory=set)

    def close_all(self) -> None:
        for connection in list(self.live):
            connection.close()


class LabServer(asyncssh.SSHServer):
    """Accepts the host's one user by password or the lab client key; forwards only through ``forward``."""

    def __init__(self, host: LabHost, connections: Connections, forward: Callable[..., Any] | None) -> None:
        self._host = host
        self._connections = connections
        self._forward = forward
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        self._connections.live.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.live.discard(self._connection)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self._host.username and hmac.compare_digest(password, self._host.password)

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == self._host.username and key.public_data == self._host.client_key.public_data

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> Any:
        if self._forward is None:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, "port forwarding disabled")
        return self._forward(dest_host, dest_port, orig_host, orig_port)


class LabSFTPServer(asyncssh.SFTPServer):
    """The host's file system over SFTP (for ``Read Remote File``), relative paths from the host's home."""

    def __init__(self, chan: asyncssh.SSHServerChannel, home: str) -> None:
        super().__init__(chan)
        self._home = home.encode()

    def map_path(self, path: bytes) -> bytes:
        return path if path.startswith(b"/") else posixpath.join(self._home, path)


def server_options(host: LabHost, connections: Connections, forward: Callable[..., Any] | None = None) -> dict:
    """asyncssh server keyword arguments for ``host``: command and SFTP sessions, bytes in and out."""
    return {
        "sftp_factory": partial(LabSFTPServer, home=host.environment["HOME"]),
        "server_factory": partial(LabServer, host, connections, forward),
        "server_host_keys": [host.host_key],
        "server_version": f"FocusLab_{host.hostname}",
        "process_factory": partial(run_command, environment=host.environment),
        "encoding": None,
        "agent_forwarding": False,
        "x11_forwarding": False,
        "allow_scp": False,
        "login_timeout": 10,
    }


class TargetRoute:
    """The jump host's direct-tcpip handler: the only way to the target, and the log that proves it.

    The target has no TCP listener. A channel to ``address`` is spliced onto a socketpair whose other end
    runs a fresh target server connection, so a client reaches the target only through the jump host.
    """

    def __init__(
        self,
        address: tuple[str, int],
        target: LabHost,
        connections: Connections,
        log: Path,
        reachable: bool,
        *,
        forward: Callable[..., Any] | None = None,
        hop: str = "jump",
        also: TargetRoute | None = None,
    ) -> None:
        """``forward``: the destination's own forwarding (a bastion's route onwards, ``None``: it forwards nothing);
        ``hop``: the name the log gives the host doing this forwarding; ``also``: the route for other addresses."""
        self.address = address
        self._target = target
        self._connections = connections
        self._log = log
        self._reachable = reachable
        self._forward = forward
        self._hop = hop
        self._also = also

    def __call__(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> Any:
        route = f"{orig_host}:{orig_port} -> {dest_host}:{dest_port}"
        if (dest_host, dest_port) != self.address:
            if self._also is not None:
                return self._also(dest_host, dest_port, orig_host, orig_port)
            self._record(route, "refused: no route")
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_CONNECT_FAILED, f"No route to host {dest_host}")
        if not self._reachable:
            self._record(route, "refused: connection refused")
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_CONNECT_FAILED, "Connection refused")
        self._record(route, "opened")
        return self._splice

    def _record(self, route: str, outcome: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self._log.open("a", encoding="utf-8") as log:
            log.write(f"{stamp} {self._hop} direct-tcpip {route} {outcome}\n")

    async def _splice(self, channel_reader: asyncssh.SSHReader, channel_writer: asyncssh.SSHWriter) -> None:
        ours, theirs = socket.socketpair()
        serving = asyncio.ensure_future(self._serve(theirs))
        target_reader, target_writer = await asyncio.open_connection(sock=ours)
        try:
            await asyncio.gather(
                _pump(channel_reader, target_writer), _pump(target_reader, channel_writer), return_exceptions=True
            )
        finally:
            target_writer.close()
            channel_writer.close()
            await asyncio.gather(serving, return_exceptions=True)

    async def _serve(self, sock: socket.socket) -> None:
        try:
            options = server_options(self._target, self._connections, self._forward)
            connection = await asyncssh.run_server(sock, **options)
        except (asyncssh.Error, OSError):
            return  # failed login or handshake: the client sees it through the channel
        await connection.wait_closed()


async def _pump(reader: Any, writer: Any) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()


async def listen(host: LabHost, connections: Connections, forward: TargetRoute | None) -> asyncssh.SSHAcceptor:
    return await asyncssh.listen("127.0.0.1", 0, **server_options(host, connections, forward))
