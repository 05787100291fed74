"""The only place that wires capture, classify and store together.

The API and the CLI are thin shells over these functions; each takes an
explicit SQLAlchemy session (the caller owns the transaction) or a
:class:`~fapiao.services.runtime.Runtime` built from settings.
"""
