"""The corpus of past reports: every indicator row embedded into a FAISS index, metadata in SQLite.

``open_corpus`` builds or syncs the index of a corpus directory; the keys say when two rows are
the same text or template; embedders turn row text into vectors (``embed``).
"""

from reviewer.corpus.db import CorpusProject, CorpusRow
from reviewer.corpus.index import IVF_NPROBE, IVF_THRESHOLD, Corpus, ParsedDoc
from reviewer.corpus.index_file import file_sha256
from reviewer.corpus.keys import (
    INDEX_FORMAT,
    STOP_WORDS,
    content_bigrams,
    content_signature,
    is_department_table,
    match_key,
    project_profile,
    template_key,
)
from reviewer.corpus.sync import (
    add_files,
    build,
    corpus_path,
    embedder_choice,
    index_path,
    open_corpus,
    reports_dir,
)

__all__ = [
    "INDEX_FORMAT", "IVF_NPROBE", "IVF_THRESHOLD", "STOP_WORDS", "Corpus", "CorpusProject", "CorpusRow", "ParsedDoc",
    "add_files", "build", "content_bigrams", "content_signature", "corpus_path", "embedder_choice", "file_sha256",
    "index_path", "is_department_table", "match_key", "open_corpus", "project_profile", "reports_dir", "template_key",
]
