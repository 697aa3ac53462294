"""The Xray import: its settings, the request built from a run's output (``request``), the HTTP client with retries
(``http``) and the command that uploads."""
