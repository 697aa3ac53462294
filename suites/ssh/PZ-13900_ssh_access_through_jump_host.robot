*** Settings ***
Documentation    PZ-13900 — SSH access to production servers through the jump host (High, access layer).
...
...              Operators reach production hosts only through the bastion. The test connects to the jump
...              host with a verified host key, runs ``hostname``, ``whoami`` and ``uptime``, reaches the
...              target host through the jump host and checks that ``kubectl`` and ``k9s`` are there.

Resource         ../../resources/ssh.resource

Test Tags        component:ssh


*** Test Cases ***
Operators Reach The Target Host Through The Jump Host With Their Tools
    [Documentation]    Jump host commands, target through the tunnel, kubectl and k9s, latency below 2 s.
    [Tags]    PZ-13900    priority:high    layer:access    critical
    SSH Access Should Be Configured For This Environment
    Jump Host Should Accept The Operator
    Target Host Should Be Reachable Through The Jump Host
    Operators Should Have Their Tools And Quick Connections
    [Teardown]    Close All SSH Connections
