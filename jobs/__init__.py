"""Scheduled ingestion: the worker process that polls sources on their schedules.

It imports ``tracker`` (the core) and never ``web``; the web app never runs jobs.
"""
