"""The invoice status machine, enforced in one place.

::

    needs_review ──approve──▶ accepted ──correct──▶ accepted
         │                       │
         └──reject──▶ rejected   └──reopen──▶ needs_review
                         │
                         └──reopen──▶ needs_review

* approve and reject take an invoice that waits for review (待复核) only;
* a rejected invoice (已驳回) is final: nothing changes it but a reviewer's
  ``reopen`` with a reason, which puts it back in the review queue;
* an accepted invoice can be corrected (it stays accepted unless the
  correction leaves a failed check) or reopened for review; to reject it,
  reopen it first, so every rejection is a decision taken on the review screen.

Every transition locks the invoice row first (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite the write session's ``BEGIN IMMEDIATE`` already
serialises writers), then checks the status it finds. Two reviewers acting at
once: the first wins, the second sees the new status and gets a 409
(:class:`~fapiao.services.errors.Conflict`), and only one audit row is written.
"""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from fapiao.services.errors import Conflict, NotFound
from store.models import Invoice
from store.repos import invoices as invoice_repo


class InvoiceStatus(StrEnum):
    NEEDS_REVIEW = "needs_review"  # 待复核
    ACCEPTED = "accepted"  # 已确认
    REJECTED = "rejected"  # 已驳回


class Action(StrEnum):
    APPROVE = "approve"  # 确认
    REJECT = "reject"  # 驳回
    REOPEN = "reopen"  # 重新打开
    CORRECT = "correct"  # 修改


#: the statuses each action may start from
ALLOWED_FROM: dict[Action, frozenset[InvoiceStatus]] = {
    Action.APPROVE: frozenset({InvoiceStatus.NEEDS_REVIEW}),
    Action.REJECT: frozenset({InvoiceStatus.NEEDS_REVIEW}),
    Action.REOPEN: frozenset({InvoiceStatus.ACCEPTED, InvoiceStatus.REJECTED}),
    Action.CORRECT: frozenset({InvoiceStatus.NEEDS_REVIEW, InvoiceStatus.ACCEPTED}),
}

STATUS_LABELS = {
    InvoiceStatus.NEEDS_REVIEW: "待复核",
    InvoiceStatus.ACCEPTED: "已确认",
    InvoiceStatus.REJECTED: "已驳回",
}
ACTION_LABELS = {Action.APPROVE: "确认", Action.REJECT: "驳回", Action.REOPEN: "重新打开", Action.CORRECT: "修改"}


class InvalidTransition(Conflict):
    """The invoice is not in a status the action starts from (often: someone else was faster)."""

    def __init__(self, invoice_id: int, status: str, action: Action) -> None:
        self.invoice_id, self.current_status, self.action = invoice_id, status, action
        label = STATUS_LABELS.get(InvoiceStatus(status), status) if status in InvoiceStatus._value2member_map_ else status
        hint = "，请先重新打开 / reopen it first" if action is not Action.REOPEN and status == InvoiceStatus.REJECTED else ""
        super().__init__(
            f"发票 #{invoice_id} 当前状态为“{label}”，不能{ACTION_LABELS[action]}{hint} / "
            f"invoice #{invoice_id} is {status}: cannot {action.value}"
        )


def lock_for(session: Session, invoice_id: int, action: Action) -> Invoice:
    """The invoice row, locked for this transaction, after checking ``action`` may start from its status."""
    invoice = invoice_repo.get(session=session, invoice_id=invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"发票记录 #{invoice_id} 不存在 / invoice #{invoice_id} not found")
    if invoice.status not in ALLOWED_FROM[action]:
        raise InvalidTransition(invoice_id, invoice.status, action)
    return invoice
