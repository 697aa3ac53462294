"""``KubernetesLibrary`` (the official client, raw JSON where it only reads): API access and credentials, any object
by kind through discovery (Secrets without their data), pods, services and logs, workloads rolled out, nodes, PVCs,
events, ConfigMaps and Jobs, and bounded "within" waits; each call bounded by ``request_timeout_s``, each wait by
``wait_timeout_s``, with the first-response evidence of what failed."""
