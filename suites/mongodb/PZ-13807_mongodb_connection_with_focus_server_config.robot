*** Settings ***
Documentation    PZ-13807 — MongoDB connection using the Focus Server configuration (High, configuration layer).
...
...              Loads the MongoDB configuration the Focus Server itself reads, checks it against the values
...              the environment expects (a second source: its ``focus_server.expected_mongodb``) and connects
...              with it. A failure here blocks application start; no expected values means "not checked".

Resource         ../../resources/mongodb.resource

Test Tags        component:mongodb


*** Test Cases ***
Focus Server Configuration Names The Expected MongoDB And Connects
    [Documentation]    Keys present, values as expected (port an integer), a client built from it pings.
    [Tags]    PZ-13807    priority:high    layer:configuration
    ${configuration}=    Load Focus Server Database Configuration
    Focus Server Database Configuration Should Be Complete    ${configuration}
    Focus Server Database Configuration Should Match Expected Values    ${configuration}
    Focus Server Configuration Should Reach MongoDB    ${configuration}
    [Teardown]    Close All MongoDB Connections
