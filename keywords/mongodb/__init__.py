"""``MongoDBLibrary`` (pymongo): connection, authentication, latency and data health, with the explanation of a
failure by layer (``failures``), latency statistics and first-response evidence. Timeouts are applied where the
client is built (``MongoDBLibrary._client_for`` in ``library``)."""
