"""The workbook download, offered on the Profiles page and in the sidebar of every page once segments exist."""

from __future__ import annotations


def sidebar_download() -> None:
    """Offer the analyst workbook in the sidebar (filled in by the Profiles issue)."""
