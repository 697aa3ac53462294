"""The lab process: starts every component in order, publishes ``lab.env``, serves until told to stop."""

from __future__ import annotations

import os
import signal
import threading
import traceback
from pathlib import Path

from lab.component import LabComponent, LabContext, start_all, stop_all
from lab.state import LabState


def components() -> list[LabComponent]:
    """MongoDB, Kubernetes and the hosts' programs start together; the SSH hosts after Kubernetes (their kubectl
    reads its kubeconfig)."""
    from lab.mongo import MongoComponent
    from lab.ssh_hosts.component import SshHostsComponent
    from lab.ssh_hosts.programs import HostProgramsComponent

    return [MongoComponent(), kubernetes_component(), HostProgramsComponent(), SshHostsComponent()]


def kubernetes_component() -> LabComponent:
    """The real control plane (kube-apiserver + etcd, kube-controller-manager, kwok) once it is built
    (`python -m lab build`), else the stand-in; ``LAB_KUBERNETES=stand-in`` or ``=real`` chooses explicitly."""
    from lab.go_binaries import cached, go_available
    from lab.kube_api.component import KubeApiComponent
    from lab.kube_cluster import CONTROL_PLANE, KubeClusterComponent

    choice = os.environ.get("LAB_KUBERNETES", "")
    # kwok's stage files are read from Go's module cache: the real cluster needs Go as well as its binaries.
    built = go_available() and all(cached(name) is not None for name in CONTROL_PLANE)
    if choice == "stand-in" or (choice != "real" and not built):
        return KubeApiComponent()
    return KubeClusterComponent()


def serve(state_dir: Path, faults: frozenset[str]) -> int:
    state = LabState(state_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    context = LabContext(state_dir=state_dir, faults=faults, published={"LAB_STATE": str(state_dir)})
    started: list[LabComponent] = []
    try:
        started = start_all(components(), context)
        context.published["LAB_FAULTS"] = ",".join(sorted(faults))
        context.published["LAB_START_SECONDS"] = ",".join(
            f"{name}={seconds:.2f}" for name, seconds in context.start_seconds.items()
        )
        state.publish(context.published)
        stop.wait()
        return 0
    except Exception:  # noqa: BLE001 - any start failure must reach `lab up`, which waits on this file
        state.fail(traceback.format_exc())
        return 1
    finally:
        state.unpublish()
        stop_all(started)
