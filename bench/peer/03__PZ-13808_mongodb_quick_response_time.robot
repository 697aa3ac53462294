*** Settings ***
Documentation    PZ-13808 — MongoDB quick response time, written with robotframework-mongodb.

Resource         peer.resource

Test Tags        component:mongodb


*** Test Cases ***
MongoDB Answers Pings Within The Response Time Threshold
    [Documentation]    Median of five pings on the established connection below 100 ms.
    [Tags]    PZ-13808    priority:medium    layer:performance
    Connect To The Lab MongoDB
    ${median}=    Median Milliseconds Of    Run Database Command    ping
    Should Be True    ${median} < ${MAX_RESPONSE_TIME_MS}
    IF    ${median} < 50
        Log    excellent: ${median} ms
    ELSE
        Log    acceptable: ${median} ms
    END
    [Teardown]    Disconnect From All Databases
