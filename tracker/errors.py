"""The exception tree: one root, one branch per area of the pipeline.

Every error a user can cause (a missing file, a broken feed, an unreachable host) is one of
these, with a message that reads well on one line. Programming errors stay ordinary exceptions.
"""


class TrackerError(Exception):
    """Root of every error the tracker raises on purpose."""


class InputError(TrackerError):
    """The user gave something we cannot read: a missing file, a bad date, non-UTF-8 text."""


class FetchError(TrackerError):
    """A URL could not be fetched: network failure, timeout, HTTP error, body too large."""


class ParseError(TrackerError):
    """Fetched or read bytes are not what they claim to be: a feed that is HTML, broken XML."""


class StoreError(TrackerError):
    """The database refused: locked, corrupt, or of a newer schema than this code knows."""
