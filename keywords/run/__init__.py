"""The run pipeline: which Jira cases a run selected (``cases``, ``options``), their verdicts, NOT RUN and NOT CHECKED
included (``verdicts``), the diagnosis and its rules, the listener that diagnoses every robot run, the artefacts
(``report``, ``junit``, ``traceability``), the dependency order, several environments in one go, the run history
(``history``), the Xray import (``xray``) and the one command over all of it (``cli``: ``focus-infra``)."""
