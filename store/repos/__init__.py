"""Repository functions: the SQL the services need, with keyword-only arguments.

They flush but never commit: the caller owns the transaction, so a document's
invoices, their review tasks and audit entries land together or not at all.
"""
