"""The MongoDB library's defaults are the settings model's: settings a caller passes without a key get the value the
``mongodb`` section would have had (keywords/config/settings_models.py), not a second copy of it."""

from __future__ import annotations

from keywords.config.settings_models import MongoDB
from keywords.mongodb.library import DEFAULTS, MongoDBLibrary

MINIMAL = {"host": "127.0.0.1", "port": 1, "database": "prisma"}


def test_the_librarys_defaults_are_those_of_a_section_that_sets_nothing_else():
    section = MongoDB.model_validate(MINIMAL).model_dump()
    assert {name: value for name, value in section.items() if name not in MINIMAL} == DEFAULTS


def test_a_client_built_from_settings_without_timeouts_or_pool_sizes_uses_the_models_defaults():
    client = MongoDBLibrary._client_for(MINIMAL)
    try:
        options, pool = client.options, client.options.pool_options
        assert options.server_selection_timeout * 1000 == MongoDB.model_fields["server_selection_timeout_ms"].default
        assert pool.connect_timeout * 1000 == MongoDB.model_fields["connect_timeout_ms"].default
        assert pool.socket_timeout * 1000 == MongoDB.model_fields["socket_timeout_ms"].default
        assert pool.max_pool_size == MongoDB.model_fields["max_pool_size"].default
        assert pool.min_pool_size == MongoDB.model_fields["min_pool_size"].default
    finally:
        client.close()
