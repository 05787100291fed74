"""All tables; importing this package registers them on ``Base.metadata``."""
from store.models.accounts import ROLES, ApiKey, LoginFailure, LoginSession, User
from store.models.base import Base
from store.models.classification import (
    RUN_STATUSES,
    ClassificationConfigVersion,
    ClassificationResultRecord,
    ClassificationRunRecord,
    CustomerFeatureRecord,
    Payment,
)
from store.models.customers import CreditLimitOverride, Customer, CustomerAlias
from store.models.documents import DOCUMENT_STATUSES, Document, DocumentSubmission
from store.models.invoices import INVOICE_STATUSES, WAYS_IN, Invoice, InvoiceLineRecord
from store.models.review import REVIEW_STATUSES, AuditEntry, ReviewTask

__all__ = [
    "ROLES",
    "DOCUMENT_STATUSES",
    "INVOICE_STATUSES",
    "REVIEW_STATUSES",
    "RUN_STATUSES",
    "WAYS_IN",
    "ApiKey",
    "AuditEntry",
    "Base",
    "ClassificationConfigVersion",
    "ClassificationResultRecord",
    "ClassificationRunRecord",
    "CreditLimitOverride",
    "CustomerFeatureRecord",
    "Customer",
    "CustomerAlias",
    "Document",
    "DocumentSubmission",
    "Invoice",
    "InvoiceLineRecord",
    "LoginFailure",
    "LoginSession",
    "Payment",
    "ReviewTask",
    "User",
]
