"""The generic command keyword sends only what the allow-list names: every write is refused before it is sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keywords.mongodb.library import MongoDBLibrary, _Connection
from keywords.mongodb.queries import READ_ONLY_COMMANDS, Command, check_read_only, refusal

SETTINGS = {"host": "db.example", "port": 27017, "database": "prisma", "username": "prisma"}
WRITES = [
    {"insert": "tasks", "documents": [{"a": 1}]},
    {"update": "tasks", "updates": [{"q": {}, "u": {"$set": {"a": 2}}}]},
    {"delete": "recordings", "deletes": [{"q": {}, "limit": 0}]},
    {"findAndModify": "tasks", "query": {}, "remove": True},
    {"drop": "recordings"},
    {"dropDatabase": 1},
    {"createIndexes": "recordings", "indexes": []},
    {"dropIndexes": "recordings", "index": "*"},
    {"renameCollection": "prisma.recordings", "to": "prisma.old"},
    {"mapReduce": "recordings", "map": "", "reduce": "", "out": "x"},
    {"aggregate": "recordings", "pipeline": [{"$match": {}}, {"$out": "copy"}], "cursor": {}},
    {"aggregate": "recordings", "pipeline": [{"$merge": {"into": "copy"}}], "cursor": {}},
    {"aggregate": "recordings", "pipeline": [{"$facet": {"a": [{"$out": "copy"}]}}], "cursor": {}},
    {"explain": {"delete": "recordings", "deletes": [{"q": {}, "limit": 0}]}},
    {"shutdown": 1},
    {"Insert": "tasks", "documents": []},  # command names are case-sensitive: never a near miss
]


class FakeDatabase:
    def __init__(self, sent: list) -> None:
        self._sent = sent

    def command(self, command):
        self._sent.append(dict(command))
        return {"ok": 1.0, "n": 3, "$clusterTime": {"clusterTime": 1}, "operationTime": 1}


class FakeClient:
    """Records every command that reaches it."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def __getitem__(self, name: str) -> FakeDatabase:
        return FakeDatabase(self.sent)

    def close(self) -> None:
        pass


@pytest.fixture
def library_and_client():
    library, client = MongoDBLibrary(environment="lab"), FakeClient()
    library._connections.register(_Connection(client, SETTINGS), "fake")
    return library, client


@pytest.mark.parametrize("command", WRITES, ids=lambda command: next(iter(command)))
def test_a_write_is_refused_naming_it_and_never_reaches_the_server(library_and_client, command):
    library, client = library_and_client
    with pytest.raises(ValueError, match=r"^MongoDB command refused before sending: .*'(\w+)'") as refused:
        library.run_read_only_command(Command.from_robot(command))
    assert repr(next(iter(command)))[1:-1] in str(refused.value) or "explain" in str(refused.value)
    assert client.sent == []


def test_a_read_is_sent_once_and_answered_without_the_envelope(library_and_client):
    library, client = library_and_client
    answer = library.run_read_only_command(Command.from_robot('{"count": "recordings"}'))
    assert client.sent == [{"count": "recordings"}]
    assert answer == {"ok": 1.0, "n": 3} and answer.n == 3


def test_aggregations_without_writing_stages_and_explains_of_reads_are_read_only():
    assert refusal({"aggregate": "recordings", "pipeline": [{"$group": {"_id": "$node"}}], "cursor": {}}) is None
    assert refusal({"explain": {"find": "recordings", "filter": {}}}) is None
    assert check_read_only({"ping": 1}) == "ping"
    assert refusal({}) == "the command is empty"


def test_the_allow_list_is_documented_in_the_keyword_from_its_one_place():
    doc = MongoDBLibrary.run_read_only_command.__doc__
    assert "%ALLOW_LIST%" not in doc
    for name, reads in READ_ONLY_COMMANDS.items():
        assert f"| ``{name}`` | {reads} |" in doc


@given(st.text(min_size=1, max_size=30))
def test_fuzz_no_command_off_the_list_is_sent(name):
    command = {name: 1}
    if name in READ_ONLY_COMMANDS:
        assert refusal(command) is None
    else:
        with pytest.raises(ValueError, match="is not on the read-only allow-list"):
            check_read_only(command)


@given(st.lists(st.sampled_from(["$match", "$group", "$project", "$out", "$merge", "$sort"]), max_size=6))
def test_fuzz_an_aggregation_is_refused_exactly_when_a_stage_writes(stages):
    command = {"aggregate": "recordings", "pipeline": [{stage: {}} for stage in stages], "cursor": {}}
    writes = any(stage in ("$out", "$merge") for stage in stages)
    assert (refusal(command) is not None) == writes
