*** Settings ***
Documentation    PZ-13807 — MongoDB connection using the Focus Server configuration, written with
...              robotframework-mongodb; the configuration file is read as a YAML variable file.

Resource         peer.resource

Test Tags        component:mongodb


*** Test Cases ***
Focus Server Configuration Names The Expected MongoDB And Connects
    [Documentation]    Keys present, values as expected (port an integer), a client built from it pings.
    [Tags]    PZ-13807    priority:high    layer:configuration
    Import Variables    %{LAB_STATE}/focus-server/environments.yaml
    VAR    ${configuration}=    ${lab}[mongodb]
    Configuration Should Name The Expected MongoDB    ${configuration}
    ${auth_source}=    Get From Dictionary    ${configuration}    auth_source    default=admin
    Connect To Database    db_name=${configuration}[database]    db_user=${configuration}[username]
    ...    db_password=%{LAB_MONGO_PASSWORD}    db_host=${configuration}[host]    db_port=${configuration}[port]
    ...    auth_source=${auth_source}    server_selection_timeout=${MONGO_TIMEOUT}
    Ping Should Answer Ok
    [Teardown]    Disconnect From All Databases


*** Keywords ***
Configuration Should Name The Expected MongoDB
    [Documentation]    The keys are there and host, port (an integer), database and user are the lab's.
    [Arguments]    ${configuration}
    FOR    ${key}    IN    host    port    username    password    database
        Dictionary Should Contain Key    ${configuration}    ${key}
    END
    Should Be Equal    ${configuration}[host]    ${MONGO_HOST}
    Should Be Equal    ${configuration}[port]    ${{ int($MONGO_PORT) }}
    Should Be Equal    ${configuration}[database]    ${MONGO_DATABASE}
    Should Be Equal    ${configuration}[username]    ${MONGO_USER}
    # The file names the secret (${LAB_MONGO_PASSWORD}); its value comes from the environment.
    Should Be Equal    ${configuration}[password]    \${LAB_MONGO_PASSWORD}
