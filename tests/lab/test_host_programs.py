"""The lab starts its hosts' large programs once before it is up (a cold start outlasted the 5 s SSH timeout)."""

from __future__ import annotations

import pytest

from lab.component import LabContext
from lab.ssh_hosts.programs import PROGRAMS, HostProgramsComponent


def test_the_hosts_programs_start_and_nothing_is_published(tmp_path):
    component = HostProgramsComponent()
    assert component.start(LabContext(state_dir=tmp_path)) == {}
    started = {path.name for path in (tmp_path / "host-programs" / "bin").iterdir()}
    assert started == set(PROGRAMS)  # k9s (built, or the lab's stand-in) and the real kubectl


def test_a_program_that_does_not_start_fails_the_labs_start_naming_it(tmp_path):
    component = HostProgramsComponent({"false": ("--version-of-nothing",)})
    with pytest.raises(RuntimeError, match=r"^false --version-of-nothing exited with 1"):
        component.start(LabContext(state_dir=tmp_path))


def test_a_program_the_hosts_do_not_have_is_left_to_their_checks(tmp_path):
    assert HostProgramsComponent({"no-such-program-on-any-host": ()}).start(LabContext(state_dir=tmp_path)) == {}
