"""The one exception the data package raises for problems a user can fix (bad path, unreadable file)."""


class DataError(Exception):
    """A user-facing, one-line message (CLIs print it and exit 2; never a traceback)."""
