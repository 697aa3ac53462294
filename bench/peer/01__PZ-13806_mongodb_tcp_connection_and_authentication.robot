*** Settings ***
Documentation    PZ-13806 — MongoDB direct TCP connection and authentication, written with robotframework-mongodb.

Resource         peer.resource

Test Tags        component:mongodb


*** Test Cases ***
MongoDB Accepts A Direct Connection And Authenticates The Application User
    [Documentation]    Connect and authenticate, ping, server version, the database listed, its collections listed.
    [Tags]    PZ-13806    priority:critical    layer:foundation    critical
    Connect To The Lab MongoDB
    Ping Should Answer Ok
    ${info}=    Get Server Info
    Should Not Be Empty    ${info}[version]
    ${databases}=    List Databases
    Should Not Be Empty    ${databases}
    Should Contain    ${databases}    ${MONGO_DATABASE}
    ${collections}=    List Collections
    Log    ${collections}
    [Teardown]    Disconnect From All Databases
