"""The lab: local stand-in infrastructure (MongoDB, Kubernetes API, SSH hosts) on 127.0.0.1."""
