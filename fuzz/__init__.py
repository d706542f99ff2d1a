"""Long-running fuzzing of ``attachmeta.analyze``: ``python -m fuzz --minutes 60``."""
