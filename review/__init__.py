"""Coordinators review reports: the queue, the report page, triage, merging; EST field reports."""
