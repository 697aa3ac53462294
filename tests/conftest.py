"""Hypothesis profiles. The gate (``./run.sh test``, CI) replays the same examples on every run, so a change is
judged by what it changed; ``HYPOTHESIS_PROFILE=explore`` searches twenty times wider, with new examples each time,
to find the next bug (found once, it becomes an ``@example``)."""

import os

from hypothesis import settings

settings.register_profile("gate", max_examples=400, derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=8000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))
