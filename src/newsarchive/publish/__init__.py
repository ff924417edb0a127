"""Republishing the archive as a self-contained static site (issue 7)."""

from newsarchive.publish.catalog import Selection
from newsarchive.publish.site import PublishError, PublishOptions, PublishSummary, publish

__all__ = ["PublishError", "PublishOptions", "PublishSummary", "Selection", "publish"]
