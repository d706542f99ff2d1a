"""Side-by-side benchmarks of attachmeta against the pipelines servers use today.

Run ``python -m benchmarks`` (``--quick`` for a small run, ``--json PATH`` to save numbers).
"""
