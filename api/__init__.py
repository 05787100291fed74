"""HTTP API: a thin FastAPI shell over ``fapiao.services``.

Build it with :func:`api.app.create_app` and explicit settings. Nothing
imports ``api``. (``api/web/`` is reserved for the web UI templates.)
"""
