"""The crawler's status words, as enums whose values are the words stored and exported."""

from enum import StrEnum


class VerdictStatus(StrEnum):
    """A duty's automated finding; the same values as audits.models.FindingStatus."""

    MET = "met"
    NOT_MET = "not_met"
    REVIEW = "review"
    ERROR = "error"


class DocumentKind(StrEnum):
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"
    TEXT = "text"
    OTHER = "other"


class RecencyRule(StrEnum):
    """How a document's dates are judged against the audit date; the values of Duty.RecencyRule."""

    COVERS = "covers"  # its period must include the audit date (undated by period: published within the window)
    PUBLISHED_WITHIN = "published_within"  # published, or its period ended, within the window
