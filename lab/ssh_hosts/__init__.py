"""SSH lab hosts: a jump host on 127.0.0.1 and a target host reachable only through the jump host."""

from lab.ssh_hosts.component import SshHostsComponent

__all__ = ["SshHostsComponent"]
