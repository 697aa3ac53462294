"""What each environment section may hold: key, type, whether required, default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    type: type | tuple[type, ...]
    required: bool = False
    default: Any = None


#: Keys whose values are wrapped in ``Secret`` and never logged.
SECRET_KEYS = frozenset({"password", "token", "key_passphrase"})

MONGODB = {
    "host": Field(str, required=True),
    "port": Field(int, required=True),
    "username": Field(str),
    "password": Field(str),
    "database": Field(str, required=True),
    "auth_source": Field(str, default="admin"),
    "server_selection_timeout_ms": Field(int, default=10000),
    "connect_timeout_ms": Field(int, default=10000),
    "socket_timeout_ms": Field(int, default=10000),
    "max_pool_size": Field(int, default=10),
    "min_pool_size": Field(int, default=1),
    "ping_samples": Field(int, default=5),
    "acceptable_response_time_ms": Field(float, default=50.0),
    "max_response_time_ms": Field(float, default=100.0),
    "required_collections": Field(list, default=["recordings", "tasks", "metadata", "node4"]),
}

SERVICE = {
    "name": Field(str, required=True),
    "type": Field(str, default="ClusterIP"),
    "cluster_ip": Field(str),
    "port": Field(int),
}

KUBERNETES = {
    "api_server": Field(str),
    "kubeconfig": Field(str),
    "context": Field(str),
    "token": Field(str),
    "ca_file": Field(str),
    "in_cluster": Field(bool, default=False),
    "verify_tls": Field(bool, default=True),
    "request_timeout_s": Field(float, default=10.0),
    "namespace": Field(str, default="panda"),
    "pod_pattern": Field(str, default="panda-panda-focus-server-*"),
    "label_selector": Field(str),
    "min_pods": Field(int, default=1),
    "max_restarts": Field(int, default=5),
    "log_lines": Field(int, default=10),
    "service": SERVICE,
}

SSH_HOST = {
    "host": Field(str, required=True),
    "port": Field(int, default=22),
    "username": Field(str, required=True),
    "password": Field(str),
    "key_file": Field(str),
    "key_passphrase": Field(str),
    "use_agent": Field(bool, default=False),
}

SSH = {
    "enabled": Field(bool, default=True),
    "timeout_s": Field(float, default=5.0),
    "max_connect_latency_s": Field(float, default=2.0),
    "known_hosts": Field(str),
    "accept_unknown_host_keys": Field(bool, default=False),
    "jump_host": SSH_HOST,
    "target_host": SSH_HOST,
}

#: PZ-13807: the MongoDB endpoint the Focus Server's own configuration must name in this environment.
EXPECTED_MONGODB = {
    "host": Field(str),
    "port": Field(int),
    "database": Field(str),
    "username": Field(str),
}

FOCUS_SERVER = {
    "config_file": Field(str),
    "environment": Field(str),
    "expected_mongodb": EXPECTED_MONGODB,
}

SCHEMA: dict[str, dict] = {
    "mongodb": MONGODB,
    "kubernetes": KUBERNETES,
    "ssh": SSH,
    "focus_server": FOCUS_SERVER,
}
