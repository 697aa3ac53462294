"""The Focus Server infrastructure suite's Python: keyword libraries by layer, and the run pipeline.

``config``, ``mongodb``, ``kubernetes`` and ``ssh`` each hold one Robot Framework keyword library (``library.py``)
and the pure code only it uses; ``common`` holds what every library shares; ``run`` is what happens around a run
(which cases, their verdicts, the diagnosis and every artefact, history, Xray) and its one command, ``focus-infra``.
"""

from pathlib import Path

#: The project's folder: the suites, variables and argument files the code reads live beside ``keywords/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
