"""Typed classification errors; each message says what to fix."""


class ClassificationError(Exception):
    """Base class: classification could not run on the given data or settings."""


class InvalidInvoiceFact(ClassificationError):
    """Invoice input is inconsistent (e.g. columns of different lengths)."""


class InvalidClassificationConfig(ClassificationError):
    """A configuration file or value cannot be used (wrong format, impossible cut points)."""


class NothingToClassify(ClassificationError):
    """No as-of date was given and there are no invoices to take it from."""
