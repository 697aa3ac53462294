"""MongoDBLibrary over TLS, against the lab's MongoDB behind a real TLS terminator (Debian's stunnel4)."""

from __future__ import annotations

import pytest
from robot.api.types import Secret

from keywords.common.outcomes import SettingsUnusable
from keywords.config.environment_choice import settings_of
from keywords.mongodb.library import MongoDBLibrary
from lab.kube_api.tls import generate_tls_files
from lab.mongo import MongoComponent
from lab.tls_terminator import TlsTerminator
from tests.helpers import failure_of, running_lab

pytestmark = pytest.mark.skipif(
    not TlsTerminator.available(), reason="needs Debian's stunnel4 (./run.sh test installs it when run as root)"
)


@pytest.fixture(scope="module")
def tls_lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mongo-tls")
    with running_lab(folder, [MongoComponent()]) as published:
        terminator = TlsTerminator()
        try:
            port = terminator.start(folder / "tls", int(published["LAB_MONGO_PORT"]))
            yield {"port": port, "ca": str(terminator.tls.ca_cert), "folder": folder, **published}
        finally:
            terminator.stop()


@pytest.fixture
def library():
    library = MongoDBLibrary(environment="lab")
    yield library
    library.close_all_mongodb_connections()


def over_tls(lab: dict, **changes) -> dict:
    settings = {**settings_of("mongodb", "lab"), "port": lab["port"], "server_selection_timeout_ms": 2000}
    return {**settings, "connect_timeout_ms": 2000, "socket_timeout_ms": 2000, **changes}


def test_a_mongodb_behind_tls_is_reached_with_the_labs_ca(tls_lab, library):
    connection = library.connect_to_mongodb(settings=over_tls(tls_lab, tls=True, tls_ca_file=tls_lab["ca"]))
    assert connection.target == f"127.0.0.1:{tls_lab['port']}"
    assert library.ping_mongodb() == 1.0
    assert "recordings" in library.list_collections()


def test_a_certificate_from_another_authority_is_named_as_the_tls_problem(tls_lab, library, tmp_path):
    other_ca = generate_tls_files(tmp_path).ca_cert
    message = failure_of(
        lambda: library.connect_to_mongodb(settings=over_tls(tls_lab, tls=True, tls_ca_file=str(other_ca)))
    )
    assert message == (
        f"MongoDB TLS failure at 127.0.0.1:{tls_lab['port']} during authenticate and ping: the server's "
        "certificate is not trusted (unable to get local issuer certificate); check mongodb.tls_ca_file"
    )


def test_plain_tcp_to_a_tls_port_says_the_server_may_require_tls(tls_lab, library):
    message = failure_of(lambda: library.connect_to_mongodb(settings=over_tls(tls_lab)))
    assert message.startswith(f"MongoDB network failure at 127.0.0.1:{tls_lab['port']} during authenticate and ping")
    assert message.endswith("if it requires TLS, set mongodb.tls: true")


def test_a_ca_file_that_is_not_there_is_not_checked(tls_lab, library, tmp_path):
    settings = over_tls(tls_lab, tls=True, tls_ca_file=str(tmp_path / "gone.crt"))
    message = failure_of(lambda: library.connect_to_mongodb(settings=settings), SettingsUnusable)
    assert message.endswith(f"mongodb.tls_ca_file {tmp_path / 'gone.crt'} does not exist")


def test_the_client_certificate_password_is_a_secret_never_shown(tls_lab, library, tmp_path):
    settings = over_tls(
        tls_lab,
        tls=True,
        tls_ca_file=tls_lab["ca"],
        tls_certificate_key_file=str(tmp_path / "client.pem"),
        tls_certificate_key_file_password=Secret("Client-Key-Pass-1"),
    )
    message = failure_of(lambda: library.connect_to_mongodb(settings=settings), SettingsUnusable)
    assert "Client-Key-Pass-1" not in message and "tls_certificate_key_file" in message
