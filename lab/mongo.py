"""The lab MongoDB: SecantusDB (MongoDB wire protocol over WiredTiger) with SCRAM users and seeded data."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from pymongo import MongoClient
from pymongo.errors import PyMongoError
from secantus import SecantusDBServer

from lab.component import LabContext
from lab.faults import settings_for
from lab.ports import HeldPort, unreachable_port
from lab.seed_data import COLLECTIONS, INDEXES, bad_recording, seed_documents

DATABASE = "prisma"
APP_USER = "prisma"
ADMIN_USER = "admin"
#: A custom role on ``admin`` granting exactly ``listDatabases`` on the cluster, as production grants the app user.
LIST_DATABASES_ROLE = "listDatabasesOnly"
#: A custom role on ``admin`` granting the two read-only actions the suite's evidence needs (``serverStatus`` and
#: ``currentOp``), a narrow part of the built-in ``clusterMonitor``.
MONITOR_ROLE = "serverMonitorOnly"
#: The application name of the lab's other client under ``mongo-slow``: what ``currentOp`` shows in progress.
LOAD_APP_NAME = "focus-lab-load"


class MongoComponent:
    """Provisions users and data without auth, then serves them with ``require_auth=True``."""

    name = "mongodb"

    def __init__(self) -> None:
        self._server: SecantusDBServer | None = None
        self._unreachable: HeldPort | None = None
        self._load: _Load | None = None

    def start(self, context: LabContext) -> dict[str, str]:
        fault = settings_for(self.name, context.faults)
        data_dir = context.state_dir / "mongo" / "data"
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        app_password, admin_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
        self._provision(data_dir, app_password, admin_password, fault)
        self._unreachable = unreachable_port(refused=bool(fault.get("down")), silent=bool(fault.get("unresponsive")))
        if self._unreachable is not None:
            port = self._unreachable.port
        else:
            self._server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=str(data_dir), require_auth=True)
            self._server.start()
            port = self._server.port
            if fault.get("ping_delay_ms"):
                self._slow_down_pings(port, admin_password, fault["ping_delay_ms"])
                self._load = _Load(port, admin_password)
        published_password = secrets.token_urlsafe(18) if fault.get("publish_wrong_password") else app_password
        _write_focus_server_config(context.state_dir, port + fault.get("focus_config_port_offset", 0))
        return {
            "LAB_MONGO_PORT": str(port),
            "LAB_MONGO_PASSWORD": published_password,
            "LAB_MONGO_ADMIN_PASSWORD": admin_password,
        }

    def stop(self) -> None:
        if self._load is not None:
            self._load.stop()
            self._load = None
        if self._unreachable is not None:
            self._unreachable.close()
            self._unreachable = None
        if self._server is not None:
            _stop(self._server)
            self._server = None

    @staticmethod
    def _provision(data_dir: Path, app_password: str, admin_password: str, fault: dict[str, Any]) -> None:
        """Create users and data on an open server, as one does before turning authentication on."""
        server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=str(data_dir))
        server.start()
        try:
            with MongoClient(server.uri, serverSelectionTimeoutMS=5000) as client:
                client.admin.command(
                    "createUser", ADMIN_USER, pwd=admin_password, roles=[{"role": "root", "db": "admin"}]
                )
                # Least privilege, as on a production mongod: listDatabases on the cluster and nothing else
                # (the built-in clusterMonitor would also grant serverStatus, getLog, currentOp, ...).
                client.admin.command(
                    "createRole",
                    LIST_DATABASES_ROLE,
                    privileges=[{"resource": {"cluster": True}, "actions": ["listDatabases"]}],
                    roles=[],
                )
                client.admin.command(
                    "createRole",
                    MONITOR_ROLE,
                    privileges=[{"resource": {"cluster": True}, "actions": ["serverStatus", "inprog"]}],
                    roles=[],
                )
                database = client[DATABASE]
                # The application's user only reads data: the suite must never be able to write.
                database.command(
                    "createUser",
                    APP_USER,
                    pwd=app_password,
                    roles=[
                        {"role": "read", "db": DATABASE},
                        {"role": LIST_DATABASES_ROLE, "db": "admin"},
                        {"role": MONITOR_ROLE, "db": "admin"},
                    ],
                )
                stale_by = timedelta(days=fault.get("recordings_stale_days", 0))
                for name in COLLECTIONS:
                    if name not in fault.get("omit_collections", []):
                        database.create_collection(name)
                        if seed_documents(name):
                            database[name].insert_many(seed_documents(name, stale_by=stale_by))
                        for index_name, keys, options in INDEXES.get(name, []):
                            if f"{name}.{index_name}" not in fault.get("omit_indexes", []):
                                database[name].create_index(keys, name=index_name, **options)
                if fault.get("bad_recording"):
                    database["recordings"].insert_one(bad_recording())
        finally:
            _stop(server)

    @staticmethod
    def _slow_down_pings(port: int, admin_password: str, delay_ms: int) -> None:
        with MongoClient(
            host="127.0.0.1",
            port=port,
            username=ADMIN_USER,
            password=admin_password,
            authSource="admin",
            serverSelectionTimeoutMS=5000,
        ) as admin:
            admin.admin.command(
                "configureFailPoint",
                "failCommand",
                mode="alwaysOn",
                data={"failCommands": ["ping"], "blockConnection": True, "blockTimeMS": delay_ms},
            )


class _Load:
    """Another client of the server, pinging without pause: under ``mongo-slow`` each of its pings is blocked too,
    so one is always in progress, as on a server that is busy with someone else's work."""

    def __init__(self, port: int, admin_password: str) -> None:
        self._stopped = threading.Event()
        self._client = MongoClient(
            host="127.0.0.1",
            port=port,
            username=ADMIN_USER,
            password=admin_password,
            authSource="admin",
            appName=LOAD_APP_NAME,
            serverSelectionTimeoutMS=5000,
        )
        self._thread = threading.Thread(target=self._run, name="mongo-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            with contextlib.suppress(PyMongoError):
                self._client.admin.command("ping")

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._client.close()


def _write_focus_server_config(state_dir: Path, port: int) -> None:
    """The Focus Server's own environments.yaml, as the application in the lab would read it."""
    folder = state_dir / "focus-server"
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "lab": {
            "description": "Focus Server configuration in the lab",
            "env_file": "../lab.env",
            "mongodb": {
                "host": "127.0.0.1",
                "port": port,
                "username": APP_USER,
                "password": "${LAB_MONGO_PASSWORD}",
                "database": DATABASE,
                "auth_source": DATABASE,
            },
        }
    }
    (folder / "environments.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def _stop(server: SecantusDBServer) -> None:
    """``server.stop()`` in milliseconds instead of two seconds.

    SecantusDB stops by closing its listening socket, which on Linux does not wake the thread blocked in
    ``accept()``: ``stop()`` then waits out its 2 s join. Shutting the socket down first wakes that thread at once.
    """
    listening = getattr(server, "_socket", None)  # not public; without it, stop() is only slower
    if listening is not None:
        with contextlib.suppress(OSError):
            listening.shutdown(socket.SHUT_RDWR)
    server.stop()
