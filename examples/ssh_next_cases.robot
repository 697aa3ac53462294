*** Settings ***
Documentation     Next SSH cases of epic PZ-13756 as QA writes them: only the project's keywords, no Python.
...
...               Examples, not Jira cases: they carry no Jira key, so no pipeline gate (``--include critical``)
...               and no diagnosis of the six cases reads them, and ``./run.sh main`` does not run them
...               (``suites/`` holds the Jira cases only). Run them against an environment with
...               ``robot --variable ENV:<name> examples``; the test command runs them against the lab, healthy
...               and under each fault that breaks one of them (``tests/acceptance/examples_matrix.yaml``).
...               The target host is the environment's ``ssh.target_host``, reached through its jump host; the
...               two-bastion case reads the environment named by ``${TWO_BASTIONS}`` (its ``ssh.jump_hosts``).

Resource          ../resources/ssh.resource

Suite Setup       Connect To Target Through Jump Host
Suite Teardown    Close All SSH Connections

Test Tags         example    component:ssh


*** Variables ***
${TWO_BASTIONS}         lab-two-bastions
${FOCUS_SERVER_LOG}     logs/focus-server.log
${FOCUS_SERVER_UNIT}    focus-server.service


*** Test Cases ***
The Target Host's Root File System Is Below 90 Percent Used
    [Documentation]    ``df -P /`` on the target: less than 90 % of the root file system's space is used.
    Disk Usage Should Be Below    /    90    alias=target

The Target Host's Root File System Has Free Inodes
    [Documentation]    ``df -Pi /`` on the target: less than 90 % of the root file system's inodes are used.
    Inode Usage Should Be Below    /    90    alias=target

The Focus Server Log On The Target Host Shows It Started
    [Documentation]    The last 100 lines of the Focus Server's log (read over SFTP) hold its start message.
    Remote File Should Contain    ${FOCUS_SERVER_LOG}    Focus Server started    last_lines=100    alias=target

The Focus Server Unit Is Active On The Target Host
    [Documentation]    ``systemctl is-active`` answers ``active`` for the Focus Server's unit.
    Systemd Unit Should Be Active    ${FOCUS_SERVER_UNIT}    alias=target

The Target Host Is Reached Through Two Bastions
    [Documentation]    Jump host, then the second bastion, then the target: each hop's host key verified, each
    ...    reached through a ``direct-tcpip`` channel of the one before it.
    Connect To Target Through Jump Host    alias=chained-target    environment=${TWO_BASTIONS}    jump=chain
    Remote User Should Match Configuration    alias=chained-target
