"""Turning raw HTML into a clean article: charset, main content, junk, sanitizing."""

from newsarchive.extract.page import ExtractionError, decode_html, extract_page
from newsarchive.extract.sanitize import html_to_text, sanitize_html

__all__ = ["ExtractionError", "decode_html", "extract_page", "html_to_text", "sanitize_html"]
