"""The benchmark of the suite's wall time and time to verdict: ``./run.sh bench`` (``python -m bench``).

Whole commands are timed by hyperfine (warm-up runs, medians and spreads); what happens inside one process (the
keyword overhead) by a Robot run of ``bench/overhead.robot``. Results go to ``results/bench.json`` and a table.
"""
