"""Hypothesis profiles. The gate (``./run.sh test``, CI) replays the same examples on every run, so a change is
judged by what it changed; ``HYPOTHESIS_PROFILE=explore`` searches twenty times wider, with new examples each time,
to find the next bug (found once, it becomes an ``@example``)."""

import os

import pytest
from hypothesis import settings

from keywords.common import endpoint_findings

settings.register_profile("gate", max_examples=400, derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=8000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))


@pytest.fixture(autouse=True)
def no_endpoint_findings_from_earlier_tests():
    """Endpoints found not answering are remembered for the rest of a run (one process); a later test's lab may
    get the same port, which must not count as already found silent."""
    endpoint_findings.forget_all()
    yield
    endpoint_findings.forget_all()
