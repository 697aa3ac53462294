"""Several failures of one test: the first cause on the first line, the others after it."""

from __future__ import annotations

from keywords.common.failure_text import most_important_first


def test_the_first_of_several_failures_leads_and_the_others_follow():
    message = (
        "Several failures occurred:\n\n1) Kubernetes API https://x, namespace 'panda': 1 of 2 pod(s) not Ready:\n"
        "  pod a: waiting CrashLoopBackOff\n\n2) Kubernetes API https://x: pod logs empty"
    )
    assert most_important_first(message) == (
        "Kubernetes API https://x, namespace 'panda': 1 of 2 pod(s) not Ready:\n  pod a: waiting CrashLoopBackOff"
        "\n\nAlso failed:\n- Kubernetes API https://x: pod logs empty"
    )


def test_a_single_failure_is_left_as_it_is():
    assert most_important_first("MongoDB network failure at h:1 during connect: connection refused") == (
        "MongoDB network failure at h:1 during connect: connection refused"
    )
