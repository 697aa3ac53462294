"""Every secret the suite's settings hold in the lab, fed to the one redaction in every form, is masked."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

import pytest

from keywords.common.redaction import redact
from keywords.config.environments import load_environment
from tests.helpers import lab_running


def test_each_secret_of_the_lab_environment_is_masked_in_every_form(tmp_path):
    with lab_running(tmp_path) as lab, pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOCUS_LAB_STATE", lab.env["FOCUS_LAB_STATE"])
        environment = load_environment("lab")
        for section in ("mongodb", "kubernetes", "ssh"):
            environment.section(section)  # loading a section registers its secrets
        suite_secrets = [value for key, value in lab.published.items() if key in SUITE_SECRETS]
    assert len(suite_secrets) == len(SUITE_SECRETS)
    for secret in suite_secrets:
        for text in (
            secret,
            f"rejected {quote(secret, safe='')} / {quote_plus(secret)}",
            f"mongodb://prisma:{quote(secret, safe='')}@127.0.0.1:27017",
            f"Authorization: Bearer {secret}",
        ):
            assert secret not in redact(text) and quote(secret, safe="") not in redact(text)


SUITE_SECRETS = ("LAB_MONGO_PASSWORD", "LAB_K8S_TOKEN", "LAB_SSH_JUMP_PASSWORD", "LAB_SSH_TARGET_PASSWORD")
