"""The cell-by-cell ingest and quality rules as they were before ingest worked on distinct values.

Kept only to prove the fast path changes nothing: ``test_fast_ingest`` compares kept rows, codes and audit
reasons row for row. Not used by the pipeline.
"""
