"""The first thing an endpoint says back, within a timeout: an SSH banner, a TLS handshake, a MongoDB ``hello``.

No credentials are sent: this tells "answers" from "not answering" (a hung or black-holed server accepts the TCP
connection and then says nothing) and keeps what it said as evidence. TLS is not verified here, because nothing
secret crosses it; the checks themselves verify it.
"""

from __future__ import annotations

import socket
import ssl
import struct
import time
from dataclasses import dataclass

import bson

from keywords.common.tcp_probe import TcpProbeError, probe_address

#: MongoDB's OP_MSG opcode; ``hello`` needs no authentication.
_OP_MSG = 2013
_HEADER = struct.Struct("<iiii")
_MAX_MESSAGE_BYTES = 48_000_000  # MongoDB's maxMessageSizeBytes
PROTOCOLS = ("tcp", "ssh", "tls", "mongodb")
_BANNER_LIMIT = 255  # RFC 4253: the identification line is at most 255 characters


@dataclass(frozen=True)
class Answer:
    """What ``host:port`` said first (``evidence``), or why it said nothing (``cause``), after ``seconds``."""

    target: str
    answered: bool
    seconds: float
    evidence: str = ""
    cause: str = ""
    #: True when the endpoint took the TCP connection but then said nothing within the timeout.
    silent: bool = False


def first_answer(protocol: str, host: str, port: int, timeout_s: float, tls: bool = False) -> Answer:
    """The first answer of ``host:port`` speaking ``protocol`` (``tcp``, ``ssh``, ``tls`` or ``mongodb``), all within
    ``timeout_s``; ``tls`` wraps MongoDB in TLS first. Never raises for a network problem: it is the answer."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol '{protocol}': use {', '.join(PROTOCOLS)}")
    target = f"{host}:{port}"
    started = time.monotonic()
    deadline = started + timeout_s
    try:
        connection = probe_address(host, port, timeout_s)
    except TcpProbeError as error:
        return Answer(target, False, time.monotonic() - started, cause=error.reason)
    try:
        with connection:
            connection.settimeout(max(deadline - time.monotonic(), 0.001))
            if protocol == "tcp":  # plain HTTP speaks only when spoken to: the connection is the answer
                evidence = "accepted the TCP connection"
            elif protocol == "ssh":
                evidence = _ssh_banner(connection)
            elif protocol == "tls":
                evidence = _tls_handshake(connection, host)
            else:
                evidence = _mongodb_hello(_tls_handshake_only(connection, host) if tls else connection)
    except TimeoutError:
        cause = f"accepted the TCP connection, then sent nothing within {timeout_s:g} s"
        return Answer(target, False, time.monotonic() - started, cause=cause, silent=True)
    except (OSError, ValueError) as error:  # it answered, but not as expected: that is still an answer
        return Answer(target, True, time.monotonic() - started, evidence=f"answered, but: {error}")
    return Answer(target, True, time.monotonic() - started, evidence=evidence)


def _ssh_banner(connection: socket.socket) -> str:
    received = b""
    while b"\n" not in received and len(received) < _BANNER_LIMIT:
        chunk = connection.recv(_BANNER_LIMIT)
        if not chunk:
            raise ConnectionError("closed the connection before sending an SSH banner")
        received += chunk
    line = received.split(b"\n", 1)[0].rstrip(b"\r").decode("ascii", "replace")
    return f"banner {line!r}"


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _tls_handshake_only(connection: socket.socket, host: str) -> ssl.SSLSocket:
    return _unverified_context().wrap_socket(connection, server_hostname=host)


def _tls_handshake(connection: socket.socket, host: str) -> str:
    wrapped = _tls_handshake_only(connection, host)
    cipher = wrapped.cipher()
    return f"TLS handshake ({wrapped.version()}, {cipher[0] if cipher else 'no cipher'})"


def _mongodb_hello(connection: socket.socket) -> str:
    body = b"\x00\x00\x00\x00" + b"\x00" + bson.encode({"hello": 1, "$db": "admin"})  # flags, section kind 0
    connection.sendall(_HEADER.pack(_HEADER.size + len(body), 1, 0, _OP_MSG) + body)
    header = _received(connection, _HEADER.size)
    length, _, _, opcode = _HEADER.unpack(header)
    if not _HEADER.size < length <= _MAX_MESSAGE_BYTES:
        raise ValueError(f"not a MongoDB reply: it starts with {header[:8]!r}")
    reply = _received(connection, length - _HEADER.size)
    if opcode != _OP_MSG:
        raise ValueError(f"a MongoDB reply with opcode {opcode}, expected {_OP_MSG}")
    document = bson.decode(reply[5:])  # after the flags and the section kind
    return (
        f"hello: maxWireVersion {document.get('maxWireVersion')}, "
        f"writable primary {document.get('isWritablePrimary', document.get('ismaster'))}"
    )


def _received(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed the connection mid-reply")
        data += chunk
    return data
