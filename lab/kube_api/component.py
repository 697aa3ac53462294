"""The Kubernetes API lab component: a TLS, token-protected API server on 127.0.0.1 serving manifest files."""

from __future__ import annotations

import functools
import secrets
import ssl
import threading
from collections.abc import Callable
from pathlib import Path

import yaml

from lab.component import LabContext
from lab.faults import settings_for
from lab.kube_api.server import KubeApiServer
from lab.kube_api.store import ObjectStore
from lab.kube_api.tls import TlsFiles, generate_tls_files
from lab.ports import HeldPort, unreachable_port

HERE = Path(__file__).resolve().parent
MANIFESTS = HERE / "manifests"


class KubeApiComponent:
    """Publishes ``LAB_K8S_API``, ``LAB_K8S_TOKEN``, ``LAB_K8S_CA`` and ``LAB_KUBECONFIG``."""

    name = "kubernetes"

    def __init__(self) -> None:
        self._server: KubeApiServer | None = None
        self._thread: threading.Thread | None = None
        self._unreachable: HeldPort | None = None

    def start(self, context: LabContext) -> dict[str, str]:
        state = context.state_dir / self.name
        state.mkdir(parents=True, exist_ok=True)
        fault = settings_for(self.name, context.faults)

        def serve(tls: TlsFiles, token: str) -> str:
            overlays = [MANIFESTS / "faults" / name for name in fault.get("overlays", [])]
            return self._serve(ObjectStore.load([MANIFESTS / "healthy", *overlays]), token, tls)

        self._unreachable = unreachable_api(fault)
        kind = "stand-in (python -m lab build for the real control plane)"
        return publish_cluster(state, fault, serve, kind, self._unreachable)

    def stop(self) -> None:
        if self._unreachable is not None:
            self._unreachable.close()
            self._unreachable = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def _serve(self, store: ObjectStore, token: str, tls: TlsFiles) -> str:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(tls.server_cert, tls.server_key)
        self._server = KubeApiServer(store, token, ssl_context)
        # A short poll interval makes stop() take milliseconds instead of half a second.
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name="lab-kube-api", daemon=True)
        self._thread.start()
        return self._server.url


def unreachable_api(fault: dict) -> HeldPort | None:
    """What stands where the API should be under ``api_down`` (a port that refuses) or ``api_unresponsive`` (one
    that accepts and never answers, not even the TLS handshake); None when the API runs. The component holds it
    until it stops."""
    return unreachable_port(refused=bool(fault.get("api_down")), silent=bool(fault.get("api_unresponsive")))


def publish_cluster(
    state: Path,
    fault: dict,
    serve: Callable[[TlsFiles, str], str],
    kind: str,
    unreachable: HeldPort | None,
) -> dict[str, str]:
    """What every lab Kubernetes publishes, with the faults ``api_down``, ``api_unresponsive`` (the API's
    address is then ``unreachable``'s, from :func:`unreachable_api`) and ``publish_wrong_token`` applied.

    ``serve(tls, token)`` starts the API with the lab's TLS files and the suite's token and returns its URL;
    ``kind`` says which Kubernetes the lab runs (``lab up`` prints it).
    """
    tls = generate_tls_files(state)
    token = secrets.token_urlsafe(32)
    url = f"https://127.0.0.1:{unreachable.port}" if unreachable is not None else serve(tls, token)
    published_token = secrets.token_urlsafe(32) if fault.get("publish_wrong_token") else token
    kubeconfig = write_kubeconfig(state / "kubeconfig", url, tls.ca_cert, published_token)
    return {
        "LAB_K8S_KIND": kind,
        "LAB_K8S_API": url,
        "LAB_K8S_TOKEN": published_token,
        "LAB_K8S_CA": str(tls.ca_cert),
        "LAB_KUBECONFIG": str(kubeconfig),
    }


def write_kubeconfig(path: Path, url: str, ca_cert: Path, token: str) -> Path:
    """A kubeconfig with one context, ``lab``, whose default namespace is ``panda``."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "lab", "cluster": {"server": url, "certificate-authority": str(ca_cert)}}],
        "users": [{"name": "lab", "user": {"token": token}}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "lab", "namespace": "panda"}}],
        "current-context": "lab",
        "preferences": {},
    }
    path.touch(mode=0o600)  # it holds the token
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
