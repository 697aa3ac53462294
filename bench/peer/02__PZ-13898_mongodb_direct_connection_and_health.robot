*** Settings ***
Documentation    PZ-13898 — MongoDB direct connection and health check, written with robotframework-mongodb.

Resource         peer.resource

Test Tags        component:mongodb


*** Test Cases ***
MongoDB Holds The Focus Server Collections And Answers Queries
    [Documentation]    Connection string, ping, database listed, the four collections, a query, the newest
    ...    recordings well formed, the query latency below the threshold.
    [Tags]    PZ-13898    priority:high    layer:data
    VAR    ${uri}=
    ...    mongodb://${MONGO_USER}:${MONGO_PASSWORD}@${MONGO_HOST}:${MONGO_PORT}/?authSource=${MONGO_AUTH_SOURCE}
    Connect To Database Using Connection String    ${uri}    ${MONGO_DATABASE}
    ...    server_selection_timeout=${MONGO_TIMEOUT}
    Ping Should Answer Ok
    ${databases}=    List Databases
    Should Contain    ${databases}    ${MONGO_DATABASE}
    Required Collections Should Exist
    ${first}=    Find Document    recordings
    Log    ${first}
    Newest Recordings Should Be Well Formed
    Query Latency Should Be Within Threshold
    [Teardown]    Disconnect From All Databases


*** Keywords ***
Required Collections Should Exist
    [Documentation]    recordings, tasks, metadata and node4 are listed.
    ${collections}=    List Collections
    FOR    ${name}    IN    recordings    tasks    metadata    node4
        Should Contain    ${collections}    ${name}
    END

Query Latency Should Be Within Threshold
    [Documentation]    The median of five ``find_one`` on recordings is below 100 ms.
    ${median}=    Median Milliseconds Of    Find Document    recordings
    Should Be True    ${median} < ${MAX_RESPONSE_TIME_MS}

Newest Recordings Should Be Well Formed
    [Documentation]    The newest 100 recordings have uuid, start_time and end_time, start before end.
    ${recordings}=    Find Documents    recordings    sort=${{ {"_id": -1} }}    limit=${100}
    FOR    ${recording}    IN    @{recordings}
        Dictionary Should Contain Key    ${recording}    uuid
        Dictionary Should Contain Key    ${recording}    start_time
        Dictionary Should Contain Key    ${recording}    end_time
        Should Be True    $recording['start_time'] < $recording['end_time']
    END
