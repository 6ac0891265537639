"""Stage 2, ingest: export files of any supported platform → one row per response, answers coded as the
questionnaire defines them (readers → platform formats → header mapping → answer coding)."""

from pipeline.ingest.files import (
           Ingested,
           cache_inputs,
           expand_inputs,
           header_report,
           ingest_file,
           ingest_files,
           ingest_frame,
)
from pipeline.ingest.mapping import map_headers, match_headers, read_mapping

__all__ = [
    "Ingested",
    "cache_inputs",
    "expand_inputs",
    "header_report",
    "ingest_file",
    "ingest_files",
    "ingest_frame",
    "map_headers",
    "match_headers",
    "read_mapping",
]
