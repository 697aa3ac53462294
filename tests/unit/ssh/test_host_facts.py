"""Reading what a host's own tools print: df lines, the kernel's listening sockets, the last lines of a file."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keywords.ssh.host_facts import (
    Listening,
    UnreadableOutput,
    Usage,
    human_kib,
    last_lines,
    parse_df,
    parse_proc_net_tcp,
)

DF = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/vda  264212084 31415908 64085356 33% /\n"
DF_INODES = "Filesystem Inodes IUsed IFree IUse% Mounted on\nmy disk 655360 78643 576717 12% /mnt/my data\n"
PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:8AE2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000
   2: 0100007F:8AE2 0100007F:D3B4 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000
  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 0 0
"""


def test_df_blocks_and_inodes_are_read_with_names_and_mount_points_holding_spaces():
    assert parse_df(DF) == Usage("/dev/vda", 264212084, 31415908, 64085356, 33, "/")
    assert parse_df(DF_INODES) == Usage("my disk", 655360, 78643, 576717, 12, "/mnt/my data")
    uncounted = "Filesystem Inodes IUsed IFree IUse% Mounted on\nbtrfs - - - - /\n"
    assert parse_df(uncounted).percent is None


@pytest.mark.parametrize("output", ["", "df: /x: No such file or directory\n", "Filesystem\nnot a line\n"])
def test_df_output_that_is_not_posix_fails_naming_what_was_expected(output):
    with pytest.raises(UnreadableOutput, match="expected"):
        parse_df(output)


@given(st.integers(0, 2**50), st.integers(0, 2**50), st.integers(0, 100))
def test_any_posix_df_line_reads_back(used, available, percent):
    header = "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
    line = f"{header}fs {used + available} {used} {available} {percent}% /\n"
    assert parse_df(line) == Usage("fs", used + available, used, available, percent, "/")


def test_sizes_are_shown_in_binary_units():
    assert (human_kib(10240), human_kib(10485760), human_kib(500)) == ("10.0 MiB", "10.0 GiB", "500.0 KiB")


def test_listening_sockets_of_ipv4_and_ipv6_are_read_and_connected_ones_left_out():
    assert parse_proc_net_tcp(PROC_NET_TCP) == [
        Listening(22, "0.0.0.0"),
        Listening(631, "::1"),
        Listening(8080, "::"),
        Listening(35554, "127.0.0.1"),
    ]


def test_a_socket_on_every_address_serves_any_address_and_a_loopback_one_only_loopback():
    assert Listening(22, "0.0.0.0").serves("10.0.0.5") and Listening(22, "0.0.0.0").serves(None)
    assert Listening(8080, "::").serves("127.0.0.1")
    assert Listening(35554, "127.0.0.1").serves("127.0.0.1")
    assert not Listening(35554, "127.0.0.1").serves("10.0.0.5")
    assert str(Listening(631, "::1")) == "[::1]:631"


def test_last_lines():
    assert last_lines("a\nb\nc\n", 2) == "b\nc\n"
    assert last_lines("a\nb", 5) == "a\nb"
    assert last_lines("a\n", 0) == ""
