"""Persistence: SQLAlchemy 2.0 models, engines/sessions, migrations and repositories.

The only package that talks SQL. Services in ``fapiao.services`` call the
repository functions here with explicit sessions; nothing here reads
settings or knows about HTTP.
"""
