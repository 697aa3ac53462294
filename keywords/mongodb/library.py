"""MongoDBLibrary: read-only MongoDB checks whose failures name the layer (network, authentication, data)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import SON
from bson import encode as bson_encode
from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError
from robot.api import logger
from robot.api.deco import keyword, library
from robot.utils import DotDict

from keywords.common.connections import Connections, OpenedConnection
from keywords.common.endpoint_findings import fail_if_found_not_answering, record_not_answering
from keywords.common.evidence import log_evidence
from keywords.common.measurements import log_measurement
from keywords.common.outcomes import SettingsUnusable
from keywords.common.redaction import redact
from keywords.common.tcp_probe import TcpProbeError, probe_tcp
from keywords.config.environment_choice import settings_of
from keywords.config.environments import reveal
from keywords.config.settings_models import MongoDB
from keywords.mongodb import latency
from keywords.mongodb.evidence import current_op_lines, database_stats_lines, server_status_lines
from keywords.mongodb.failures import UNAUTHORIZED, explain, is_unanswered
from keywords.mongodb.queries import (
    CONVERTERS,
    Command,
    Filter,
    IndexKeys,
    Projection,
    SortKeys,
    age_text,
    allow_list_table,
    as_utc,
    check_read_only,
    describe_index,
    describe_keys,
    index_problem,
    utc_text,
)
from keywords.mongodb.server_health import (
    NO_REPLICATION_ENABLED,
    ConnectionLimit,
    connections_problem,
    lag_problem,
    member_line,
    primary_problem,
    replica_set_essentials,
    server_status_essentials,
    unhealthy_members_problem,
)

LAYER = "MongoDB"
#: `Find Documents` returns at most this many documents unless given another ``limit`` (at most MAX_FIND_LIMIT).
DEFAULT_FIND_LIMIT = 100
MAX_FIND_LIMIT = 10_000
NAMESPACE_NOT_FOUND = 26
#: Keys of every command answer that say nothing about the answer itself.
_ENVELOPE = ("$clusterTime", "operationTime", "signature")
REQUIRED_KEYS = ("host", "port", "database")
#: The ``mongodb`` section's defaults, from its settings model: for settings a caller passes without a key.
DEFAULTS = {
    name: field.get_default(call_default_factory=True)
    for name, field in MongoDB.model_fields.items()
    if not field.is_required()
}


def _setting(settings: dict[str, Any], name: str) -> Any:
    """``settings[name]``, or the settings model's default for ``name`` where ``settings`` lacks the key."""
    return settings.get(name, DEFAULTS[name])


@dataclass
class _Connection:
    client: MongoClient
    settings: dict[str, Any]
    closed: bool = False

    @property
    def target(self) -> str:
        return f"{self.settings['host']}:{self.settings['port']}"

    @property
    def database(self) -> str:
        return self.settings["database"]

    def explain(self, error: PyMongoError, action: str) -> AssertionError:
        """The failure as one line; call it before closing the client, whose topology may hold the real cause."""
        user, auth_source = self.settings.get("username"), self.settings.get("auth_source") or DEFAULTS["auth_source"]
        tls = bool(self.settings.get("tls"))
        return AssertionError(explain(self._refused_by_server(error), self.target, user, auth_source, action, tls))

    def _refused_by_server(self, error: PyMongoError) -> PyMongoError:
        # The client's background pool (minPoolSize) may meet a rejected login first: the server is then marked
        # unknown and the command fails with a selection timeout that hides the rejection. The rejection is the cause.
        if isinstance(error, OperationFailure):
            return error
        for server in self.client.topology_description.server_descriptions().values():
            if isinstance(server.error, OperationFailure):
                return server.error
        return error

    def close(self) -> None:
        if not self.closed:
            self.client.close()
            self.closed = True
            logger.info(f"Closed MongoDB connection to {self.target}")


def _tls_options(settings: dict[str, Any]) -> dict[str, Any]:
    """pymongo's TLS options from ``mongodb.tls*``; none unless ``tls`` is true."""
    if not settings.get("tls"):
        return {}
    options: dict[str, Any] = {"tls": True}
    if settings.get("tls_ca_file"):
        options["tlsCAFile"] = settings["tls_ca_file"]
    if settings.get("tls_certificate_key_file"):
        options["tlsCertificateKeyFile"] = settings["tls_certificate_key_file"]
        password = reveal(settings.get("tls_certificate_key_file_password"))
        if password:
            options["tlsCertificateKeyFilePassword"] = password
    if settings.get("tls_allow_invalid_hostnames"):
        logger.warn(
            f"MongoDB {settings['host']}:{settings['port']}: TLS host name verification is OFF "
            "(mongodb.tls_allow_invalid_hostnames: true)"
        )
        options["tlsAllowInvalidHostnames"] = True
    return options


def _check_settings(settings: dict[str, Any]) -> None:
    """Unusable settings fail as "not checked": required keys, and credentials given both or not at all."""
    missing = [key for key in REQUIRED_KEYS if settings.get(key) in (None, "")]
    if missing:
        raise SettingsUnusable(LAYER, f"mongodb settings need {', '.join(missing)}, which are missing or empty")
    for key in ("tls_ca_file", "tls_certificate_key_file"):
        if settings.get("tls") and settings.get(key) and not Path(settings[key]).expanduser().is_file():
            raise SettingsUnusable(LAYER, f"mongodb.{key} {Path(settings[key]).expanduser()} does not exist")
    has_user, has_password = settings.get("username") not in (None, ""), settings.get("password") not in (None, "")
    if has_user != has_password:
        given, absent = ("username", "password") if has_user else ("password", "username")
        raise SettingsUnusable(
            LAYER, f"mongodb.{given} is set but mongodb.{absent} is not: give both, or neither (a server without auth)"
        )


def _failure(connection: _Connection, cause: str) -> AssertionError:
    """A verification's failure: ``MongoDB <host:port>: <cause>``, redacted like every message the run writes."""
    return AssertionError(redact(f"MongoDB {connection.target}: {cause}"))


def _explained(connection: _Connection, error: PyMongoError, action: str) -> AssertionError:
    """A server's or the network's error during ``action``, as every keyword of the library words it, redacted."""
    return AssertionError(redact(str(connection.explain(error, action))))


def _max_time_ms(connection: _Connection) -> int:
    """The server-side bound of a query: the client's own socket timeout, so the server stops when the client does."""
    return int(_setting(connection.settings, "socket_timeout_ms"))


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_FIND_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_FIND_LIMIT}, got {limit}")


def _field(document: dict, path: str) -> Any:
    """The value at dotted ``path`` in ``document``, or ``None``."""
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _ttl_wanted(ttl: timedelta | bool | None) -> str:
    if ttl is True:
        return " (with a TTL)"
    if ttl is False:
        return " (without a TTL)"
    return f" (TTL {ttl.total_seconds():g} s)" if isinstance(ttl, timedelta) else ""


def _with_allow_list(method: Callable) -> Callable:
    """Writes the read-only allow-list into ``method``'s documentation: one list, in ``queries.py``."""
    method.__doc__ = (method.__doc__ or "").replace("%ALLOW_LIST%", allow_list_table().replace("\n", "\n" + " " * 8))
    return method


@library(scope="SUITE", auto_keywords=False, converters={**CONVERTERS, ConnectionLimit: ConnectionLimit.from_robot})
class MongoDBLibrary:
    """Connects to MongoDB with pymongo and checks connectivity, authentication, latency and data health.

    Settings come from the selected environment's ``mongodb`` section (``--variable ENV:<name>``,
    see ``variables/environments.yaml``) or from a dictionary such as the one `ConfigLibrary` returns.
    Passwords are Robot Framework ``Secret`` values and never appear in the log. A server without
    authentication (a developer's MongoDB) is reached by giving neither ``username`` nor ``password``.

    Every keyword is read-only. Failures name the layer and the target, for example
    ``MongoDB network failure at 10.10.100.108:27017 during connect: connection refused``.
    Unusable settings fail as "not checked" (never as a MongoDB failure); a keyword used without an open
    connection raises ``RuntimeError``.

    = Connections =

    Connections are kept by alias; the last one opened is the current one, `Switch MongoDB Connection`
    changes it and `Close All MongoDB Connections` closes them (the same model as the Kubernetes and SSH
    libraries).

    | ${connection}= | `Connect To MongoDB` | alias=direct |
    | `Ping MongoDB` |                      |              |
    | ${stats}=      | `Measure Ping Latency` | samples=5  |
    | `Latency Should Be Below Threshold` | ${stats} |     |
    | `Close All MongoDB Connections` |     |              |

    = Reading data =

    `Find Documents`, `Count Documents`, `Get Distinct Values`, `Get Collection Indexes` and `Run Read Only Command`
    read; `Count Documents Should Be At Least`, `Collection Should Have Index`, `Newest Document Should Be Newer
    Than`, the replica-set checks and `Connections Should Be Below` verify, failing as
    ``MongoDB <host:port>: <cause>`` on one line. Filters are dictionaries or JSON text (MongoDB Extended JSON);
    a string value ``<time> ago`` at any depth is that moment in UTC. Documents are returned read by attribute;
    counts and sizes are logged at INFO, documents (customer data) at DEBUG. Every query is bounded by the
    connection's ``mongodb.socket_timeout_ms``, on the server too (``maxTimeMS``).

    | `Collection Should Have Index` | recordings | start_time |
    | `Newest Document Should Be Newer Than` | recordings | 1 hour |
    | ${count}= | `Count Documents` | recordings | {"start_time": {"$gte": "1 day ago"}} |
    """

    def __init__(self, environment: str | None = None) -> None:
        """``environment`` overrides ``${ENV}`` for this import (used by tests)."""
        self._environment = environment
        self._connections: Connections[_Connection] = Connections(LAYER, "Connect To MongoDB")

    @keyword("Connect To MongoDB")
    def connect_to_mongodb(
        self, alias: str = "default", environment: str | None = None, settings: dict | None = None
    ) -> OpenedConnection:
        """Opens an authenticated connection as ``alias``; returns its ``index``, ``alias``, ``target``, ``seconds``.

        The same arguments as every library's connect keyword: ``alias``, then ``environment`` (default: the
        library's, else ``${ENV}``); ``settings`` defaults to that environment's ``mongodb`` section.
        The port is probed over TCP first, so a closed port fails at once with ``connection refused`` instead of
        after the server-selection timeout. Then the client is created with every timeout and pool size from the
        settings, and a ``ping`` forces TCP connect and SCRAM authentication (none when the settings give no
        credentials).

        | ${connection}= | `Connect To MongoDB` | alias=direct |
        | `Connect To MongoDB` | alias=app | settings=${focus_server_mongodb} |
        | Log | ${connection.target} |
        """
        settings = settings if settings is not None else settings_of("mongodb", environment or self._environment)
        _check_settings(settings)
        target = f"{settings['host']}:{settings['port']}"
        connect_timeout_s = _setting(settings, "connect_timeout_ms") / 1000
        started = time.monotonic()
        fail_if_found_not_answering(target, f"MongoDB network failure at {target} during connect")
        try:
            probe_tcp(settings["host"], settings["port"], connect_timeout_s)
        except TcpProbeError as error:
            raise AssertionError(f"MongoDB network failure at {target} during connect: {error.reason}") from None
        connection = _Connection(self._client_for(settings), settings)
        try:
            connection.client.admin.command("ping")
        except PyMongoError as error:
            failure = connection.explain(error, "authenticate and ping")
            connection.close()
            if is_unanswered(error):
                waited = _setting(settings, "server_selection_timeout_ms") / 1000
                record_not_answering(target, f"no answer to authenticate and ping within {waited:g} s")
            raise failure from None
        seconds = time.monotonic() - started
        index = self._connections.register(connection, alias)
        who = "without authentication"
        if settings.get("username"):
            who = f"as '{settings['username']}' (authSource '{settings.get('auth_source')}')"
        logger.info(f"Connected to MongoDB {target} {who} in {seconds * 1000:.1f} ms, alias '{alias}'")
        return OpenedConnection(index, alias, target, seconds)

    @keyword("Switch MongoDB Connection")
    def switch_mongodb_connection(self, alias: str) -> None:
        """Makes the connection opened as ``alias`` the current one; ``RuntimeError`` if there is none.

        | `Connect To MongoDB` | alias=direct |
        | `Connect To MongoDB` | alias=app | settings=${app} |
        | `Switch MongoDB Connection` | direct |
        """
        self._connections.switch(alias)

    @staticmethod
    def _client_for(settings: dict[str, Any]) -> MongoClient:
        return MongoClient(
            host=settings["host"],
            port=settings["port"],
            username=settings.get("username") or None,
            password=reveal(settings.get("password")) or None,
            authSource=settings.get("auth_source") or DEFAULTS["auth_source"],
            serverSelectionTimeoutMS=_setting(settings, "server_selection_timeout_ms"),
            connectTimeoutMS=_setting(settings, "connect_timeout_ms"),
            socketTimeoutMS=_setting(settings, "socket_timeout_ms"),
            maxPoolSize=_setting(settings, "max_pool_size"),
            minPoolSize=_setting(settings, "min_pool_size"),
            # One named server, as in the spec; never follow a replica set's advertised member names.
            directConnection=True,
            appname="focus-infrastructure-tests",
            **_tls_options(settings),
        )

    def _connection(self, alias: str | None) -> _Connection:
        return self._connections.get(alias)

    @keyword("Ping MongoDB")
    def ping_mongodb(self, alias: str | None = None) -> float:
        """Sends ``ping`` and fails unless the server answers ``ok: 1.0``; returns ``ok``.

        | `Ping MongoDB` |               |
        | `Ping MongoDB` | alias=direct  |
        """
        connection = self._connection(alias)
        try:
            reply = connection.client.admin.command("ping")
        except PyMongoError as error:
            raise connection.explain(error, "ping") from None
        if reply.get("ok") != 1.0:
            raise AssertionError(f"MongoDB ping at {connection.target} answered ok={reply.get('ok')}, expected 1.0")
        return reply["ok"]

    @keyword("Get MongoDB Server Version")
    def get_mongodb_server_version(self, alias: str | None = None) -> str:
        """Returns the server's ``version`` from ``buildInfo``; fails when it has none.

        | ${version}= | `Get MongoDB Server Version` |
        """
        connection = self._connection(alias)
        try:
            version = connection.client.server_info().get("version")
        except PyMongoError as error:
            raise connection.explain(error, "read server info (buildInfo)") from None
        if not version:
            raise AssertionError(f"MongoDB at {connection.target} reported no server version")
        logger.info(f"MongoDB server version {version} at {connection.target}")
        return version

    @keyword
    def list_databases(self, alias: str | None = None) -> list[str]:
        """Returns the database names the user may see; never empty.

        A user without the cluster-wide ``listDatabases`` privilege gets only its own databases from a real
        mongod. Servers that answer ``Unauthorized`` instead are handled by checking the target database
        through ``listCollections``: the result is then that database alone, and a warning says so.

        | ${names}= | `List Databases` |
        """
        connection = self._connection(alias)
        try:
            names = connection.client.list_database_names()
        except OperationFailure as error:
            if error.code != UNAUTHORIZED:
                raise connection.explain(error, "list databases") from None
            logger.warn(
                f"MongoDB user '{connection.settings['username']}' may not run listDatabases at "
                f"{connection.target}; checked database '{connection.database}' through listCollections instead"
            )
            # A database that does not exist lists no collections: only a non-empty answer proves it is there.
            if not self.list_collections(alias):
                raise AssertionError(
                    f"MongoDB at {connection.target}: database '{connection.database}' has no collections "
                    f"(listDatabases not permitted, listCollections empty): it does not exist or is empty"
                ) from None
            names = [connection.database]
        except PyMongoError as error:
            raise connection.explain(error, "list databases") from None
        if not names:
            raise AssertionError(f"MongoDB at {connection.target} listed no databases")
        logger.info(f"Databases at {connection.target}: {names}")
        return names

    @keyword
    def database_should_be_listed(self, database: str | None = None, alias: str | None = None) -> None:
        """Fails unless ``database`` (default: the configured one) is among `List Databases`.

        | `Database Should Be Listed` |        |
        | `Database Should Be Listed` | prisma |
        """
        connection = self._connection(alias)
        database = database or connection.database
        names = self.list_databases(alias)
        if database not in names:
            raise AssertionError(f"MongoDB at {connection.target}: database '{database}' not listed; found {names}")

    @keyword
    def list_collections(self, alias: str | None = None, database: str | None = None) -> list[str]:
        """Returns the collection names of ``database`` (default: the configured one), sorted.

        | ${names}= | `List Collections` |
        """
        connection = self._connection(alias)
        database = database or connection.database
        try:
            names = sorted(connection.client[database].list_collection_names())
        except PyMongoError as error:
            raise connection.explain(error, f"list collections of '{database}'") from None
        logger.info(f"Collections in {connection.target}/{database}: {names}")
        return names

    @keyword
    def collections_should_exist(self, *names: str, alias: str | None = None) -> None:
        """Fails listing every missing collection; with no names, checks ``required_collections``.

        | `Collections Should Exist` | recordings | tasks | metadata | node4 |
        """
        connection = self._connection(alias)
        required = list(names) or connection.settings.get("required_collections")
        if not required:
            raise SettingsUnusable(LAYER, "no required collections given or configured (mongodb.required_collections)")
        present = self.list_collections(alias)
        missing = [name for name in required if name not in present]
        if missing:
            self._log_database_evidence(connection, present)
            raise AssertionError(
                f"MongoDB data layer at {connection.target}/{connection.database}: required collection(s) "
                f"{missing} missing; present: {present}"
            )

    @keyword
    def find_one_document(self, collection: str, alias: str | None = None) -> dict | None:
        """Runs ``find_one`` on ``collection`` and returns the document, or ``None`` when it is empty.

        | ${recording}= | `Find One Document` | recordings |
        """
        connection = self._connection(alias)
        try:
            document = connection.client[connection.database][collection].find_one()
        except PyMongoError as error:
            raise connection.explain(error, f"query '{collection}'") from None
        logger.info(f"find_one on {connection.database}.{collection}: {'a document' if document else 'empty'}")
        return document

    @keyword
    def latest_recordings_should_be_well_formed(
        self, limit: int = 100, fields: tuple[str, ...] = ("uuid", "start_time", "end_time"), alias: str | None = None
    ) -> int:
        """Checks the newest ``limit`` recordings: ``fields`` present and ``start_time < end_time``.

        An empty collection passes (it tests query capability, not data). Returns how many were checked.
        The read is bounded by ``limit`` so that it stays cheap on production. The time order is checked
        when both ``start_time`` and ``end_time`` are present.

        | ${checked}= | `Latest Recordings Should Be Well Formed` |           |
        | ${checked}= | `Latest Recordings Should Be Well Formed` | limit=10 | fields=uuid |
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        connection = self._connection(alias)
        collection = connection.client[connection.database]["recordings"]
        try:
            recordings = list(collection.find({}, sort=[("_id", -1)], limit=limit))
        except PyMongoError as error:
            raise connection.explain(error, "read recordings") from None
        problems = [problem for recording in recordings for problem in _recording_problems(recording, fields)]
        if problems:
            shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            raise AssertionError(f"MongoDB data layer at {connection.target}/{connection.database}.recordings: {shown}")
        logger.info(f"{len(recordings)} newest recording(s) well formed")
        return len(recordings)

    @keyword("Find Documents")
    def find_documents(
        self,
        collection: str,
        filter: Filter | None = None,
        projection: Projection | None = None,
        sort: SortKeys | None = None,
        limit: int = DEFAULT_FIND_LIMIT,
        alias: str | None = None,
    ) -> list[DotDict]:
        """Returns the documents of ``collection`` matching ``filter``, at most ``limit`` (default 100), read by
        attribute: ``${documents[0].uuid}``.

        ``filter`` is a dictionary or JSON text (MongoDB Extended JSON); a string value ``<time> ago`` at any depth
        is that moment (UTC): ``{"start_time": {"$gte": "1 hour ago"}}``. ``projection`` names the fields to return
        (``uuid, start_time``) or is a MongoDB projection; ``sort`` is ``start_time:-1``, ``node, start_time:desc``
        or a list of such. ``limit`` is between 1 and 10000: a read on production stays bounded. The server stops the
        query after ``mongodb.socket_timeout_ms`` (``maxTimeMS``), as the client does. The count is logged at INFO,
        the documents (customer data) at DEBUG.

        | ${documents}= | `Find Documents` | recordings | {"node": "node4"} | sort=start_time:-1 | limit=10 |
        | ${recent}=    | `Find Documents` | recordings | {"start_time": {"$gte": "1 hour ago"}} | projection=uuid |
        | Log           | ${documents[0].uuid} |
        """
        connection = self._connection(alias)
        _check_limit(limit)
        where = f"{connection.database}.{collection}"
        try:
            documents = list(
                connection.client[connection.database][collection].find(
                    dict(filter or {}),
                    dict(projection) if projection else None,
                    sort=list(sort) if sort else None,
                    limit=limit,
                    max_time_ms=_max_time_ms(connection),
                )
            )
        except PyMongoError as error:
            raise _explained(connection, error, f"find in '{collection}'") from None
        logger.info(f"find on {where}: {len(documents)} document(s) (limit {limit})")
        logger.debug(redact(f"find on {where} with filter {dict(filter or {})}: {documents}"))
        return [DotDict(document) for document in documents]

    @keyword("Count Documents")
    def count_documents(self, collection: str, filter: Filter | None = None, alias: str | None = None) -> int:
        """Returns how many documents of ``collection`` match ``filter`` (default: all), counted by the server.

        ``filter`` as in `Find Documents`, relative times included. Bounded by ``mongodb.socket_timeout_ms``.

        | ${count}= | `Count Documents` | recordings |
        | ${recent}= | `Count Documents` | recordings | {"start_time": {"$gte": "1 day ago"}} |
        """
        connection = self._connection(alias)
        try:
            count = connection.client[connection.database][collection].count_documents(
                dict(filter or {}), maxTimeMS=_max_time_ms(connection)
            )
        except PyMongoError as error:
            raise _explained(connection, error, f"count documents in '{collection}'") from None
        matching = " matching the filter" if filter else ""
        logger.info(f"{count} document(s) in {connection.database}.{collection}{matching}")
        return count

    @keyword("Count Documents Should Be At Least")
    def count_documents_should_be_at_least(
        self, collection: str, minimum: int, filter: Filter | None = None, alias: str | None = None
    ) -> int:
        """Fails unless at least ``minimum`` documents of ``collection`` match ``filter``; returns the count.

        | `Count Documents Should Be At Least` | recordings | 1 | {"start_time": {"$gte": "1 day ago"}} |
        | ${count}= | `Count Documents Should Be At Least` | metadata | 2 |
        """
        if minimum < 0:
            raise ValueError(f"minimum must be 0 or more, got {minimum}")
        connection = self._connection(alias)
        count = self.count_documents(collection, filter, alias)
        if count < minimum:
            matching = " matching the filter" if filter else ""
            raise _failure(
                connection,
                f"{connection.database}.{collection} has {count} document(s){matching}, expected at least {minimum}",
            )
        return count

    @keyword("Get Distinct Values")
    def get_distinct_values(
        self, collection: str, key: str, filter: Filter | None = None, alias: str | None = None
    ) -> list:
        """Returns the distinct values of ``key`` (a dotted path such as ``channels.first``) among the documents of
        ``collection`` matching ``filter``, as the server orders them.

        How many are logged at INFO, the values (customer data) at DEBUG.

        | ${nodes}= | `Get Distinct Values` | recordings | node |
        | ${nodes}= | `Get Distinct Values` | recordings | node | {"status": "complete"} |
        """
        connection = self._connection(alias)
        try:
            values = connection.client[connection.database][collection].distinct(
                key, dict(filter or {}), maxTimeMS=_max_time_ms(connection)
            )
        except PyMongoError as error:
            raise _explained(connection, error, f"read distinct '{key}' of '{collection}'") from None
        logger.info(f"{len(values)} distinct value(s) of '{key}' in {connection.database}.{collection}")
        logger.debug(redact(f"distinct '{key}' in {connection.database}.{collection}: {values}"))
        return [DotDict(value) if isinstance(value, dict) else value for value in values]

    @keyword("Get Collection Indexes")
    def get_collection_indexes(self, collection: str, alias: str | None = None) -> list[DotDict]:
        """Returns the indexes of ``collection`` as the server lists them (``name``, ``key``, and ``unique``,
        ``expireAfterSeconds`` where set), read by attribute: ``${indexes[1].name}``.

        A collection that does not exist fails, naming the collections there are.

        | ${indexes}= | `Get Collection Indexes` | recordings |
        | Log | ${indexes[0].key} |
        """
        connection = self._connection(alias)
        indexes = self._indexes(connection, collection)
        logger.info(
            f"Indexes of {connection.database}.{collection}: {', '.join(map(describe_index, indexes)) or 'none'}"
        )
        return [DotDict(index) for index in indexes]

    @keyword("Collection Should Have Index")
    def collection_should_have_index(
        self,
        collection: str,
        keys: IndexKeys,
        unique: bool | None = None,
        ttl: timedelta | bool | None = None,
        alias: str | None = None,
    ) -> DotDict:
        """Fails unless ``collection`` has an index on ``keys``; returns the index found.

        ``keys``: ``start_time`` (either direction), ``start_time:-1``, ``node:1, start_time:-1`` or a list; an
        index whose leading keys are these matches (a compound index serves its prefixes). ``unique=True`` or
        ``False`` and ``ttl`` (``True``: a TTL index; ``1 day``: that TTL exactly; ``False``: no TTL) are checked
        only when given. The failure names every index there is:
        ``MongoDB 127.0.0.1:27017: prisma.recordings has no index on start_time; indexes: _id_ (_id:1)``.

        | `Collection Should Have Index` | recordings | start_time |
        | `Collection Should Have Index` | recordings | start_time:-1 |
        | `Collection Should Have Index` | recordings | uuid | unique=True |
        | `Collection Should Have Index` | sessions | created_at | ttl=1 day |
        """
        connection = self._connection(alias)
        indexes = self._indexes(connection, collection)
        keys_text = describe_keys(list(keys))
        problems = {}
        for index in indexes:
            problem = index_problem(index, list(keys), unique, ttl)
            if problem is None:
                logger.info(f"{connection.database}.{collection} has index {describe_index(index)} on {keys_text}")
                return DotDict(index)
            problems[describe_index(index)] = problem
        wanted = keys_text + "".join(
            [
                " (unique)" if unique else " (not unique)" if unique is False else "",
                _ttl_wanted(ttl),
            ]
        )
        near = [f"{name} {problem}" for name, problem in problems.items() if problem != "has other keys"]
        found = "; ".join(near) if near else ", ".join(problems) or "none"
        raise _failure(connection, f"{connection.database}.{collection} has no index on {wanted}; indexes: {found}")

    @keyword("Newest Document Should Be Newer Than")
    def newest_document_should_be_newer_than(
        self,
        collection: str,
        max_age: timedelta,
        time_field: str = "start_time",
        filter: Filter | None = None,
        alias: str | None = None,
    ) -> DotDict:
        """Fails unless the newest ``time_field`` of ``collection`` (among documents matching ``filter``) is less
        than ``max_age`` old; returns ``moment`` (UTC) and ``age_s``.

        ``max_age`` is a Robot time string (``1 hour``, ``30 min``, ``2 days``). The newest document is found by the
        server (sort on ``time_field`` descending, limit 1: cheap with an index on it, see
        `Collection Should Have Index`); a date or ISO text counts. An empty collection, or no document with
        ``time_field``, fails: nothing new arrived. Only the time is read and logged, no customer data.

        | `Newest Document Should Be Newer Than` | recordings | 1 hour |
        | `Newest Document Should Be Newer Than` | recordings | 1 day | time_field=end_time |
        | ${newest}= | `Newest Document Should Be Newer Than` | recordings | 1 hour | filter={"node": "node4"} |
        """
        if max_age.total_seconds() <= 0:
            raise ValueError(f"max_age must be above 0, got {max_age}")
        connection = self._connection(alias)
        where = f"{connection.database}.{collection}"
        has_time = {time_field: {"$exists": True}}
        query = {"$and": [dict(filter), has_time]} if filter else has_time
        try:
            newest = list(
                connection.client[connection.database][collection].find(
                    query,
                    {time_field: 1},
                    sort=[(time_field, -1)],
                    limit=1,
                    max_time_ms=_max_time_ms(connection),
                )
            )
        except PyMongoError as error:
            raise _explained(connection, error, f"find the newest '{time_field}' in '{collection}'") from None
        matching = " matching the filter" if filter else ""
        if not newest:
            raise _failure(connection, f"{where} has no document{matching} with {time_field}: nothing recorded")
        value = _field(newest[0], time_field)
        moment = as_utc(value)
        if moment is None:
            raise _failure(connection, f"the newest {time_field} in {where} is not a date: {value!r}")
        age = datetime.now(UTC) - moment
        logger.info(f"Newest {time_field} in {where}{matching}: {utc_text(moment)}, {age_text(age)} old")
        if age >= max_age:
            raise _failure(
                connection,
                f"the newest {time_field} in {where}{matching} is {utc_text(moment)}, {age_text(age)} old: "
                f"not newer than {age_text(max_age)}",
            )
        return DotDict(moment=moment, age_s=age.total_seconds())

    @keyword("Get Replica Set Status")
    def get_replica_set_status(self, alias: str | None = None) -> DotDict:
        """Returns the replica set's essentials from ``replSetGetStatus``: ``set``, ``primary`` (or ``None``),
        ``members`` (each ``name``, ``state``, ``health``, ``optime_date``, ``lag_s`` behind the primary) and
        ``max_lag_s``.

        A standalone server (no replica set) fails: ``MongoDB <target>: not a replica set ...``; so do
        `Replica Set Should Have A Primary`, `Replica Set Members Should Be Healthy` and `Replication Lag Should Be
        Below`: a case that checks a replica set must not pass on a server that is not one. The user needs the
        ``replSetGetStatus`` privilege (the built-in ``clusterMonitor`` role has it).

        | ${status}= | `Get Replica Set Status` |
        | Log | ${status.primary} |
        """
        connection = self._connection(alias)
        try:
            status = connection.client.admin.command("replSetGetStatus")
        except OperationFailure as error:
            if error.code == NO_REPLICATION_ENABLED or "not running with --replSet" in str(error):
                raise _failure(
                    connection, f"not a replica set (replSetGetStatus: {_first_words(error)}): a standalone server"
                ) from None
            raise _explained(connection, error, "read the replica set status (replSetGetStatus)") from None
        except PyMongoError as error:
            raise _explained(connection, error, "read the replica set status (replSetGetStatus)") from None
        essentials = replica_set_essentials(status)
        members = "; ".join(member_line(member) for member in essentials.members)
        logger.info(f"MongoDB {connection.target} replica set '{essentials.set}': {members}")
        return essentials

    @keyword("Replica Set Should Have A Primary")
    def replica_set_should_have_a_primary(self, alias: str | None = None) -> str:
        """Fails unless a member of the replica set is PRIMARY, naming every member's state; returns its name.

        | `Replica Set Should Have A Primary` |
        | ${primary}= | `Replica Set Should Have A Primary` |
        """
        essentials = self.get_replica_set_status(alias)
        problem = primary_problem(essentials)
        if problem:
            raise _failure(self._connection(alias), problem)
        return essentials.primary

    @keyword("Replica Set Members Should Be Healthy")
    def replica_set_members_should_be_healthy(self, alias: str | None = None) -> None:
        """Fails unless every member has ``health`` 1 and is PRIMARY, SECONDARY or ARBITER; names the others with
        their state and heartbeat message.

        | `Replica Set Members Should Be Healthy` |
        """
        essentials = self.get_replica_set_status(alias)
        problem = unhealthy_members_problem(essentials)
        if problem:
            raise _failure(self._connection(alias), problem)

    @keyword("Replication Lag Should Be Below")
    def replication_lag_should_be_below(self, max_lag: timedelta, alias: str | None = None) -> float:
        """Fails when a secondary's last applied operation is ``max_lag`` or more behind the primary's (from
        ``replSetGetStatus``'s ``optimeDate``); returns the largest lag in seconds (0 without secondaries).

        Without a primary no lag can be measured: that fails too. A single-member set has no lag.

        | `Replication Lag Should Be Below` | 10 s |
        | ${lag}= | `Replication Lag Should Be Below` | 1 min |
        """
        if max_lag.total_seconds() <= 0:
            raise ValueError(f"max_lag must be above 0, got {max_lag}")
        essentials = self.get_replica_set_status(alias)
        problem = lag_problem(essentials, max_lag.total_seconds())
        if problem:
            raise _failure(self._connection(alias), problem)
        return essentials.max_lag_s or 0.0

    @keyword("Get MongoDB Server Status")
    def get_mongodb_server_status(self, alias: str | None = None) -> DotDict:
        """Returns ``serverStatus`` essentials: ``host``, ``version``, ``uptime_s``, ``connections`` (``current``,
        ``available``, ``total_created``) and ``opcounters``.

        The user needs the ``serverStatus`` privilege (the built-in ``clusterMonitor`` role has it).

        | ${status}= | `Get MongoDB Server Status` |
        | Log | ${status.connections.current} |
        """
        connection = self._connection(alias)
        try:
            status = connection.client.admin.command("serverStatus")
        except PyMongoError as error:
            raise _explained(connection, error, "read the server status (serverStatus)") from None
        essentials = server_status_essentials(status)
        logger.info(f"MongoDB {connection.target} serverStatus: {'; '.join(server_status_lines(status))}")
        return essentials

    @keyword("Connections Should Be Below")
    def connections_should_be_below(self, limit: ConnectionLimit, alias: str | None = None) -> int:
        """Fails unless the connections in use (``serverStatus`` ``connections.current``) are below ``limit``;
        returns them.

        ``limit`` is a share of the connections the server can take (``80%`` of current + available) or a number
        (``500``). A server that reports ``available`` 0 is full: any share fails.

        | `Connections Should Be Below` | 80% |
        | `Connections Should Be Below` | 500 |
        """
        connection = self._connection(alias)
        essentials = self.get_mongodb_server_status(alias)
        problem = connections_problem(essentials, limit)
        if problem:
            raise _failure(connection, problem)
        return essentials.connections.current

    @keyword("Run Read Only Command")
    @_with_allow_list
    def run_read_only_command(self, command: Command, database: str | None = None, alias: str | None = None) -> DotDict:
        """Sends ``command`` to ``database`` (default: the configured one) if it is on the read-only allow-list;
        returns the server's answer, read by attribute.

        ``command`` is its name alone (``ping``), JSON text whose first key is the command
        (``{"collStats": "recordings"}``) or a dictionary; relative times (``1 hour ago``) are converted as in
        `Find Documents`. Any command not on the list below, an ``aggregate`` with a ``$out`` or ``$merge`` stage
        anywhere, or an ``explain`` of a refused command, raises ``ValueError`` naming it, before anything is sent.
        The answer's size is logged at INFO, the answer (it may hold customer data) at DEBUG. A server error fails
        as every keyword's does; the client's ``mongodb.socket_timeout_ms`` bounds the wait.

        The allow-list (``keywords/mongodb/queries.py``, ``READ_ONLY_COMMANDS``):

        | = command = | = reads = |
        %ALLOW_LIST%

        | ${answer}= | `Run Read Only Command` | ping |
        | ${stats}=  | `Run Read Only Command` | {"collStats": "recordings"} |
        | ${answer}= | `Run Read Only Command` | {"count": "recordings", "query": {"node": "node4"}} |
        | Log        | ${stats.count} |
        """
        name = check_read_only(command)
        connection = self._connection(alias)
        database = database or connection.database
        try:
            answer = connection.client[database].command(SON(command))
        except PyMongoError as error:
            raise _explained(connection, error, f"run '{name}' on '{database}'") from None
        answer = {key: value for key, value in answer.items() if key not in _ENVELOPE}
        logger.info(f"MongoDB {connection.target}/{database} {name}: answer of {len(bson_encode(answer))} B")
        logger.debug(redact(f"MongoDB {connection.target}/{database} {name} answered {answer}"))
        return DotDict(answer)

    def _indexes(self, connection: _Connection, collection: str) -> list[dict]:
        """The collection's indexes; a collection that does not exist fails (mongod answers NamespaceNotFound, some
        servers an empty list: every collection has its ``_id`` index, so empty means absent too)."""
        database = connection.client[connection.database]
        try:
            try:
                indexes = [dict(index) for index in database[collection].list_indexes()]
            except OperationFailure as error:
                if error.code != NAMESPACE_NOT_FOUND:
                    raise
                indexes = []
            present = sorted(database.list_collection_names()) if not indexes else []
        except PyMongoError as error:
            raise _explained(connection, error, f"list the indexes of '{collection}'") from None
        if not indexes and collection not in present:
            raise _failure(
                connection, f"collection {connection.database}.{collection} does not exist; collections: {present}"
            )
        return indexes

    @keyword
    def measure_ping_latency(self, samples: int | None = None, alias: str | None = None) -> DotDict:
        """Times ``samples`` pings (default ``ping_samples``, 5) on the established connection.

        Uses a monotonic clock and an already authenticated connection, so connection setup is not measured.
        Logs each sample and returns a dictionary read by attribute: ``${stats.median_ms}``; it holds
        ``operation``, ``min_ms``, ``median_ms``, ``p95_ms``, ``max_ms``, ``band`` and ``samples_ms``.

        | ${stats}= | `Measure Ping Latency` | samples=10 |
        | `Latency Should Be Below Threshold` | ${stats} |
        """
        connection = self._connection(alias)
        return self._measure(connection, "ping", lambda: connection.client.admin.command("ping"), samples)

    @keyword
    def measure_query_latency(
        self, collection: str = "recordings", samples: int | None = None, alias: str | None = None
    ) -> DotDict:
        """Times ``samples`` ``find_one`` queries on ``collection``; returns the same statistics as pings.

        | ${stats}= | `Measure Query Latency` | recordings |
        | `Latency Should Be Below Threshold` | ${stats} |
        """
        connection = self._connection(alias)
        documents = connection.client[connection.database][collection]
        return self._measure(connection, f"find_one on {collection}", documents.find_one, samples)

    @staticmethod
    def _measure(connection: _Connection, operation: str, call, samples: int | None) -> DotDict:
        samples = _setting(connection.settings, "ping_samples") if samples is None else samples
        if samples < 1:
            raise ValueError(f"samples must be at least 1, got {samples}")
        timings = []
        for index in range(1, samples + 1):
            started = time.perf_counter()
            try:
                call()
            except PyMongoError as error:
                raise connection.explain(error, f"{operation} {index} of {samples}") from None
            timings.append((time.perf_counter() - started) * 1000)
            logger.info(f"{operation} {index}/{samples}: {timings[-1]:.2f} ms")
        stats = latency.summarize(
            timings,
            _setting(connection.settings, "acceptable_response_time_ms"),
            _setting(connection.settings, "max_response_time_ms"),
        )
        logger.info(f"MongoDB {connection.target} {operation} latency: {stats.summary()}")
        name = "mongodb.ping_ms" if operation == "ping" else "mongodb.query_ms"
        log_measurement(name, {key: getattr(stats, f"{key}_ms") for key in ("min", "median", "p95", "max")})
        return DotDict(operation=operation, **stats.as_dict())

    @keyword
    def latency_should_be_below_threshold(
        self, stats: dict, threshold_ms: float | None = None, alias: str | None = None
    ) -> None:
        """Fails when the median of ``stats`` is at or above ``threshold_ms`` (default ``max_response_time_ms``).

        | ${stats}= | `Measure Ping Latency` |
        | `Latency Should Be Below Threshold` | ${stats} |
        | `Latency Should Be Below Threshold` | ${stats} | threshold_ms=50 |
        """
        connection = self._connection(alias)
        threshold = _setting(connection.settings, "max_response_time_ms") if threshold_ms is None else threshold_ms
        if threshold <= 0:
            raise ValueError(f"threshold_ms must be above 0, got {threshold:g}")
        if stats["median_ms"] >= threshold:
            self.log_mongodb_server_evidence(alias)
            raise AssertionError(
                f"MongoDB performance at {connection.target}: {stats['operation']} median {stats['median_ms']:.1f} ms "
                f"is at or above the {threshold:g} ms threshold ({stats['band']}; p95 {stats['p95_ms']:.1f} ms, "
                f"max {stats['max_ms']:.1f} ms over {len(stats['samples_ms'])} samples)"
            )

    @keyword("Log MongoDB Server Evidence")
    def log_mongodb_server_evidence(self, alias: str | None = None) -> list[str]:
        """Logs what the server is doing, as first-response evidence; returns the lines logged.

        ``serverStatus`` essentials (uptime, connections, operation counters) and the operations in progress
        (``currentOp``), longest-running first, without this check's own. Both are read-only and need the
        ``serverStatus`` and ``inprog`` privileges (e.g. the built-in ``clusterMonitor`` role): where the user
        lacks them, the evidence says so instead. Called by `Latency Should Be Below Threshold` when it fails;
        collecting evidence never fails a test.

        | `Log MongoDB Server Evidence` |
        """
        connection = self._connection(alias)
        lines = self._evidence_of(connection, "serverStatus", server_status_lines)
        lines += self._evidence_of(
            connection, "currentOp", lambda answer: current_op_lines(answer.get("inprog", [])), {"currentOp": 1}
        )
        return list(log_evidence(f"MongoDB server {connection.target}", lines).lines)

    def _log_database_evidence(self, connection: _Connection, collections: list[str]) -> None:
        lines = self._evidence_of(
            connection,
            "dbStats",
            lambda answer: database_stats_lines(connection.database, answer, collections),
            database=connection.database,
        )
        log_evidence(f"MongoDB database {connection.target}/{connection.database}", lines)

    @staticmethod
    def _evidence_of(
        connection: _Connection, name: str, lines_of, command: dict | None = None, database: str = "admin"
    ) -> list[str]:
        """The lines ``lines_of`` makes of command ``name``'s answer, or one line saying why there is none."""
        try:
            answer = connection.client[database].command(command or {name: 1})
        except OperationFailure as error:
            if error.code == UNAUTHORIZED:
                user = connection.settings.get("username") or "(no user)"
                return [f"{name}: not permitted for user '{user}' (code 13); a monitoring role shows it"]
            return [f"{name}: failed ({_first_words(error)})"]
        except PyMongoError as error:
            return [f"{name}: no answer ({_first_words(error)})"]
        return lines_of(answer)

    @keyword("Close All MongoDB Connections")
    def close_all_mongodb_connections(self) -> None:
        """Closes every connection; safe in teardowns, also after a failed connect or when none is open.

        | [Teardown] | `Close All MongoDB Connections` |
        """
        self._connections.close_all()


def _recording_problems(recording: dict, fields: tuple[str, ...]) -> list[str]:
    name = recording.get("uuid") or recording.get("_id")
    missing = [field for field in fields if field not in recording]
    if missing:
        return [f"recording {name} lacks {missing}"]
    if "start_time" not in recording or "end_time" not in recording:
        return []
    start, end = recording["start_time"], recording["end_time"]
    try:
        ordered = start < end
    except TypeError:
        return [f"recording {name} has incomparable start_time {start!r} and end_time {end!r}"]
    return [] if ordered else [f"recording {name} starts after it ends (start_time {start} >= end_time {end})"]


def _first_words(error: PyMongoError) -> str:
    return str(error).split(", full error:")[0].splitlines()[0]
