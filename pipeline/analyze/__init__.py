"""Stage 4, analyze: every statistic the reports need, for all units in one pass, stored as small tables that
keep their declared contracts (``contracts``), with disclosure control applied (``disclosure``), and the
problem ledger (``ledger``). The statistics themselves are the topic modules of ``pipeline.stats``."""

from pipeline.analyze.tables import TABLES, Analysis, analyze, read_analysis, write_analysis

__all__ = ["TABLES", "Analysis", "analyze", "read_analysis", "write_analysis"]
