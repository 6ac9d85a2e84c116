"""Drafts of 偏差原因分析 and 审核意见: the offline drafter, or an LLM checked against the report."""

from reviewer.draft.context import DRAFT_CODES, PROJECT_CODES
from reviewer.draft.jobs import DraftStats, client_for, draft_document, draft_for_documents, unused_note

__all__ = ["DRAFT_CODES", "PROJECT_CODES", "DraftStats", "client_for", "draft_document", "draft_for_documents",
           "unused_note"]
