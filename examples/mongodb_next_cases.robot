*** Settings ***
Documentation     Next MongoDB cases of epic PZ-13756 as QA writes them: only the project's keywords, no Python.
...
...               Examples, not Jira cases: they carry no Jira key, so no pipeline gate (``--include critical``)
...               and no diagnosis of the six cases reads them, and ``./run.sh main`` does not run them
...               (``suites/`` holds the Jira cases only). Run them against an environment with
...               ``robot --variable ENV:<name> examples``; the test command runs them against the lab, healthy
...               and under each fault that breaks one of them (``tests/acceptance/examples_matrix.yaml``).
...               Every read is read-only and bounded by the environment's MongoDB timeouts.

Resource          ../resources/mongodb.resource

Suite Setup       Connect To MongoDB With Environment Settings
Suite Teardown    Close All MongoDB Connections

Test Tags         example    component:mongodb


*** Variables ***
${RECORDINGS}    recordings


*** Test Cases ***
Recordings Have An Index On Start Time
    [Documentation]    Playback looks recordings up by time: without an index on ``start_time`` every lookup scans
    ...    the whole collection.
    Collection Should Have Index    ${RECORDINGS}    start_time

The Newest Recording Is Less Than An Hour Old
    [Documentation]    Recording goes on: the newest ``start_time`` is less than an hour old.
    Newest Document Should Be Newer Than    ${RECORDINGS}    1 hour

At Least One Recording Was Made In The Last Day
    [Documentation]    A count with a relative time in its filter: recordings that started in the last 24 hours.
    Count Documents Should Be At Least    ${RECORDINGS}    1    {"start_time": {"$gte": "1 day ago"}}

The Newest Recording Comes From Node4
    [Documentation]    A find with a sort, a projection and a limit; the document is read by attribute.
    ${newest}=    Find Documents    ${RECORDINGS}    sort=start_time:-1    projection=uuid, node    limit=1
    Should Be Equal    ${newest[0].node}    node4

The MongoDB Replica Set Has A Healthy Primary
    [Documentation]    A primary, every member healthy, and the secondaries less than 10 s behind it.
    [Tags]    robot:continue-on-failure
    Replica Set Should Have A Primary
    Replica Set Members Should Be Healthy
    Replication Lag Should Be Below    10 s
