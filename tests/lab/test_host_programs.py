"""The lab starts its hosts' large programs once before it is up and holds them in memory while it runs (a cold
start, read back from a busy disk, outlasted the 5 s SSH timeout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lab.component import LabContext
from lab.resident_file import ResidentFile
from lab.ssh_hosts.programs import PROGRAMS, HostProgramsComponent


def locked_kib() -> int:
    """How much of this process's memory is locked (``VmLck``), in KiB."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmLck:"))
    return int(line.split()[1])


def test_the_hosts_programs_start_and_nothing_is_published(tmp_path):
    component = HostProgramsComponent()
    try:
        assert component.start(LabContext(state_dir=tmp_path)) == {}
    finally:
        component.stop()
    started = {path.name for path in (tmp_path / "host-programs" / "bin").iterdir()}
    assert started == set(PROGRAMS)  # k9s (built, or the lab's stand-in) and the real kubectl


@pytest.mark.skipif(os.geteuid() != 0, reason="locking 180 MB needs root's CAP_IPC_LOCK (./run.sh test runs as root)")
def test_the_programs_stay_in_memory_until_the_lab_stops(tmp_path):
    before = locked_kib()
    component = HostProgramsComponent()
    component.start(LabContext(state_dir=tmp_path))
    sizes = [(tmp_path / "host-programs" / "bin" / name).resolve().stat().st_size for name in PROGRAMS]
    try:
        assert locked_kib() - before >= sum(sizes) // 1024 - 8 * len(sizes)  # whole pages of each file
    finally:
        component.stop()
    assert locked_kib() == before


def test_a_file_that_cannot_be_held_says_why(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with pytest.raises(OSError, match="mmap .*empty"):  # a zero-length mapping is refused by the kernel
        ResidentFile(empty)


def test_a_program_that_cannot_be_held_in_memory_is_said_and_the_lab_goes_on(tmp_path, monkeypatch, capsys):
    def refused(path: Path) -> ResidentFile:
        raise OSError(1, f"mlock {path}: Operation not permitted")

    monkeypatch.setattr("lab.ssh_hosts.programs.ResidentFile", refused)
    assert HostProgramsComponent({"true": ()}).start(LabContext(state_dir=tmp_path)) == {}
    assert "lab: true is not held in memory (" in capsys.readouterr().err


def test_a_program_that_does_not_start_fails_the_labs_start_naming_it(tmp_path):
    component = HostProgramsComponent({"false": ("--version-of-nothing",)})
    with pytest.raises(RuntimeError, match=r"^false --version-of-nothing exited with 1"):
        component.start(LabContext(state_dir=tmp_path))


def test_a_program_the_hosts_do_not_have_is_left_to_their_checks(tmp_path):
    assert HostProgramsComponent({"no-such-program-on-any-host": ()}).start(LabContext(state_dir=tmp_path)) == {}
