*** Settings ***
Documentation    PZ-13900 — SSH access through the jump host, written with SSHLibrary. SSHLibrary accepts any
...              host key (paramiko's AutoAddPolicy): unlike the project, the peer does not check the lab's
...              known_hosts. ``Login`` reads the login output for its default ``delay`` (0.5 s) on each host.

Resource         peer.resource
Library          SSHLibrary    timeout=${SSH_TIMEOUT}

Test Tags        component:ssh


*** Test Cases ***
Operators Reach The Target Host Through The Jump Host With Their Tools
    [Documentation]    Jump host commands, the target through the jump host, kubectl and k9s, connect below 2 s.
    [Tags]    PZ-13900    priority:high    layer:access    critical
    ${jump_seconds}=    Open And Log In    %{LAB_SSH_JUMP_HOST}:%{LAB_SSH_JUMP_PORT}
    ...    ${JUMP_USER}    %{LAB_SSH_JUMP_PASSWORD}    alias=jump
    Jump Host Commands Should Succeed
    ${target_seconds}=    Open And Log In    %{LAB_SSH_TARGET_HOST}:%{LAB_SSH_TARGET_PORT}
    ...    ${TARGET_USER}    %{LAB_SSH_TARGET_PASSWORD}    alias=target    jumphost_index_or_alias=jump
    ${user}=    Command Should Succeed    whoami
    Should Be Equal    ${user}    ${TARGET_USER}
    Operator Tools Should Be Installed
    Run Keyword And Warn On Failure    Target Should List The Focus Server Pods
    Should Be True    max(${jump_seconds}, ${target_seconds}) < ${MAX_SSH_CONNECT_S}
    [Teardown]    Close All Connections


*** Keywords ***
Open And Log In
    [Documentation]    Opens a connection to ``host:port`` under ``${alias}`` and logs in (through
    ...    ``jumphost_index_or_alias`` when given); returns the seconds both took.
    [Arguments]    ${address}    ${user}    ${password}    ${alias}    &{options}
    ${host}    ${port}=    Evaluate    $address.rsplit(':', 1)
    ${started}=    Evaluate    time.perf_counter()    modules=time
    Open Connection    ${host}    alias=${alias}    port=${port}
    Login    ${user}    ${password}    &{options}
    ${seconds}=    Evaluate    time.perf_counter() - $started    modules=time
    RETURN    ${seconds}

Jump Host Commands Should Succeed
    [Documentation]    ``hostname``, ``whoami`` (the configured user) and ``uptime`` succeed on the jump host.
    Command Should Succeed    hostname
    ${user}=    Command Should Succeed    whoami
    Should Be Equal    ${user}    ${JUMP_USER}
    Command Should Succeed    uptime

Command Should Succeed
    [Documentation]    Runs ``${command}`` on the current connection: exit code 0, output, nothing on stderr.
    [Arguments]    ${command}
    ${output}    ${error}    ${rc}=    Execute Command    ${command}    return_stderr=True    return_rc=True
    Should Be Equal As Integers    ${rc}    0
    Should Be Empty    ${error}
    Should Not Be Empty    ${output}
    RETURN    ${output}

Operator Tools Should Be Installed
    [Documentation]    ``kubectl version --client`` shows a client version and ``k9s version`` a version.
    ${kubectl}=    Command Should Succeed    kubectl version --client
    Should Contain    ${kubectl}    Client Version
    ${k9s}=    Command Should Succeed    k9s version
    Should Contain    ${k9s}    Version

Target Should List The Focus Server Pods
    [Documentation]    ``kubectl get pods`` on the target lists the Focus Server pods (optional in the spec).
    ${pods}=    Command Should Succeed    kubectl get pods -n ${NAMESPACE}
    Should Contain    ${pods}    panda-panda-focus-server-
