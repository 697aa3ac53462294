"""The Focus Server infrastructure suite's Python: keyword libraries by layer, and the run pipeline.

``config``, ``mongodb``, ``kubernetes`` and ``ssh`` each hold one Robot Framework keyword library (``library.py``)
and the pure code only it uses; ``common`` holds what every library shares; ``run`` is what happens around a run
(which cases, their verdicts, the diagnosis and every artefact, history, Xray) and its one command, ``focus-infra``.
"""

from pathlib import Path


def _project_root() -> Path:
    checkout = Path(__file__).resolve().parent.parent
    # Installed into site-packages (`pip install .`), the suite's files are where it runs from, as the image runs it.
    return checkout if (checkout / "variables").is_dir() else Path.cwd()


#: The project's folder: the suites, variables and argument files the code reads (beside ``keywords/`` in a checkout).
PROJECT_ROOT = _project_root()
