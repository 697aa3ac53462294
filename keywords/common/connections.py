"""One connection model for every keyword library: Robot Framework's ``ConnectionCache`` with its conventions.

Connections are kept by alias (case and space insensitive) and by index; the last one opened is the current one;
``Switch ... Connection`` changes it; ``Close All ... Connections`` closes them all. Opening a connection under an
alias already in use closes the old one first. Using a keyword with no open connection, or an alias never opened,
raises ``RuntimeError`` (misuse of the library, not a verdict about the infrastructure) with the same words in
every library. Every ``Connect To ...`` keyword returns an :class:`OpenedConnection`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from robot.utils import ConnectionCache


class Closable(Protocol):
    closed: bool

    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


@dataclass(frozen=True)
class OpenedConnection:
    """What every ``Connect To ...`` keyword returns; suites read ``${connection.alias}``, ``${connection.target}``.

    ``seconds`` is the time to connect and authenticate.
    """

    index: int
    alias: str
    target: str
    seconds: float


class Connections(Generic[C]):
    """The open connections of one library."""

    def __init__(self, layer: str, connect_keyword: str) -> None:
        self._layer = layer
        self._connect_keyword = connect_keyword
        self._cache: ConnectionCache[C] = ConnectionCache(
            f"{layer}: no open connection; open one with `{connect_keyword}` first"
        )
        self._aliases: list[str] = []  # as given, for messages; the cache matches them case-insensitively

    def register(self, connection: C, alias: str) -> int:
        """Keeps ``connection`` as ``alias`` and makes it current; returns its index."""
        if self.has(alias):
            self._cache.get_connection(alias).close()
        else:
            self._aliases.append(alias)
        return self._cache.register(connection, alias)

    def has(self, alias: str) -> bool:
        """Whether ``alias`` was registered (its connection may have been closed since)."""
        try:
            self._cache.get_connection_index(alias)
        except ValueError:
            return False
        return True

    def is_open(self, alias: str) -> bool:
        return self.has(alias) and not self._cache.get_connection(alias).closed

    def get(self, alias: str | None = None) -> C:
        """The connection ``alias``, or the current one; ``RuntimeError`` when there is none."""
        if alias is None or self.has(alias):
            connection = self._cache.get_connection(alias)
            if not connection.closed:
                return connection
        raise RuntimeError(
            f"{self._layer}: no open connection '{alias or 'current'}'; open: {self.aliases() or 'none'}; "
            f"open one with `{self._connect_keyword}` first"
        )

    def switch(self, alias: str) -> C:
        connection = self.get(alias)
        self._cache.switch(alias)
        return connection

    def aliases(self) -> list[str]:
        return [alias for alias in self._aliases if not self._cache.get_connection(alias).closed]

    def close_all(self) -> int:
        """Closes every open connection, newest first (a tunnel before the connection it runs through)."""
        opened = list(self)
        for connection in reversed(opened):
            connection.close()
        self._cache.empty_cache()
        self._aliases.clear()
        return len(opened)

    def __iter__(self) -> Iterator[C]:
        return (connection for connection in self._cache if not connection.closed)
