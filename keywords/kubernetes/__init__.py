"""``KubernetesLibrary`` (the official client, raw JSON where it only reads): API access and credentials, namespaces,
pods, services and logs, each call bounded by ``request_timeout_s``, and the first-response evidence of unhealthy
pods and services."""
