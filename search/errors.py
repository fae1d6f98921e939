"""The errors the search package raises, each with a message a user can act on."""


class SearchError(Exception):
    """Base of every error raised by the search package."""


class QuerySyntaxError(SearchError):
    """The registrar's query cannot be read; the message says how to write it."""


class IndexBusy(SearchError):
    """Another process kept the index's writer lock longer than we could wait."""


class IndexCorrupt(SearchError):
    """The index folder cannot be read; rebuilding it from the database fixes it."""


class InvalidDocument(SearchError, ValueError):
    """A document handed to the index lacks what searching it needs."""
