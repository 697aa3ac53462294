"""A Kubernetes API server stand-in for the lab: read-only, HTTPS with bearer tokens, state from YAML manifests."""

from lab.kube_api.component import KubeApiComponent

__all__ = ["KubeApiComponent"]
