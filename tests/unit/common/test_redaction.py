"""The one redaction: a secret in any form, and the user information of any URI, never survive it."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

from keywords.common.redaction import MASK, redact, register


def forms(secret: str) -> list[str]:
    return [
        f"password {secret} rejected",
        f"url-encoded {quote(secret, safe='')} and form-encoded {quote_plus(secret)}",
        f"mongodb://prisma:{quote(secret, safe='')}@db:27017/?authSource=prisma",
        f'{{"token": "{secret}"}}',
    ]


def test_a_secret_passed_in_is_masked_in_every_form():
    secret = "p@ss w/rd+&=?"
    for text in forms(secret):
        masked = redact(text, [secret])
        assert secret not in masked and quote(secret, safe="") not in masked and quote_plus(secret) not in masked


def test_a_registered_secret_is_masked_without_being_passed_again():
    register("registered-Secret-42")
    assert redact("it was registered-Secret-42 all along") == f"it was {MASK} all along"


def test_uri_user_information_is_removed_even_for_an_unknown_password():
    assert redact("failed at mongodb://admin:unknown-pw@db:27017/x and https://u@h/") == (
        f"failed at mongodb://{MASK}@db:27017/x and https://{MASK}@h/"
    )


def test_short_values_are_not_masked_so_messages_stay_readable():
    assert redact("port 1 of 2", ["1", "2"]) == "port 1 of 2"


def test_every_failure_and_log_message_of_a_robot_run_passes_through_it(tmp_path, monkeypatch):
    from robot import run

    from tests.helpers import REPO_ROOT, readable_texts

    suite = tmp_path / "leaky.robot"
    suite.write_text(
        f"*** Settings ***\nResource    {REPO_ROOT}/resources/common.resource\n\n*** Test Cases ***\n"
        "Leaks\n    [Tags]    PZ-13806\n    Log    connecting to %{LEAKY_URI}\n"
        "    Fail    MongoDB failure at %{LEAKY_URI}\n"
    )
    monkeypatch.setenv("LEAKY_URI", "mongodb://prisma:Leaky-Pw-77@db:27017")  # as a misconfigured value would
    run(str(suite), outputdir=str(tmp_path), stdout=None, stderr=None)
    texts = readable_texts(tmp_path)
    assert {name: "Leaky-Pw-77" in text for name, text in texts.items()} == dict.fromkeys(texts, False)
    assert f"mongodb://{MASK}@db:27017" in texts["output.xml"]
