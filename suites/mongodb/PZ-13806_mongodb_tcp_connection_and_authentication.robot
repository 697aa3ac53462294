*** Settings ***
Documentation    PZ-13806 — MongoDB direct TCP connection and authentication (Critical, foundation layer).
...
...              The most basic MongoDB check; every other MongoDB test depends on it. A failure says whether
...              the network (refused, timeout, DNS), authentication (code 18) or authorization (code 13)
...              is broken.
...              Jira: [${JIRA_BASE_URL}/PZ-13806|PZ-13806]
Metadata         Jira    ${JIRA_BASE_URL}/PZ-13806

Resource         ../../resources/mongodb.resource

Test Tags        mongodb    infrastructure


*** Test Cases ***
MongoDB Accepts A Direct Connection And Authenticates The Application User
    [Documentation]    TCP connect, SCRAM authentication, ping, server version, database and collection listing.
    [Tags]    PZ-13806    critical    foundation
    Connect To MongoDB With Environment Settings
    MongoDB Should Answer Ping
    MongoDB Should Report Its Server Version
    Target Database Should Be Listed
    Target Database Collections Should Be Listable
    [Teardown]    Close All MongoDB Connections
