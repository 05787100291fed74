"""Customer features → segments. Pure functions over plain data.

No database, web or settings imports: the service layer loads invoices,
customers and receivables, calls :func:`classify.run.classify_all` and stores
the returned run (parameters included) itself.
"""
