"""Credit limits that fit the customer, approved overrides, exposure and alerts.

* The **rule limit** is the latest finished classification run's: the grade's
  multiple of the customer's average monthly purchases, capped by the grade's
  ceiling (``classify.credit.rule_limit``), with the grade's 付款方式 and terms.
* A **manual limit** approved by a manager (amount, optional terms, reason,
  optional expiry) overrides it until it expires or is revoked; approving a
  new one revokes the previous one. Both are audited on the customer.
* **Exposure** = open receivables + accepted invoices no receivable covers,
  dated within the configuration's ``credit.open_invoice_days``
  (``store.repos.credit.exposures``).
* **Alerts**: exposure above the effective limit, and receivables past their
  due date and unpaid.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from fapiao.services.actors import Actor
from fapiao.services.customers import require_customer
from fapiao.services.errors import FieldError, NotFound, ValidationFailed
from store.models import CreditLimitOverride
from store.repos import audit
from store.repos import classification as classification_repo
from store.repos import credit as credit_repo
from store.repos.credit import Exposure
from store.types import utcnow

AlertCode = Literal["over_limit", "overdue"]
ALERT_LABELS = {"over_limit": "超出信用额度", "overdue": "应收逾期"}
MAX_LIMIT = Decimal("99999999999999.99")  # NUMERIC(16,2)


@dataclass(slots=True)
class Alert:
    customer_id: int
    name: str
    code: str | None
    kind: AlertCode
    message: str
    exposure: Decimal
    limit: Decimal | None
    overdue_amount: Decimal
    oldest_overdue_due: dt.date | None


@dataclass(slots=True)
class CreditStatus:
    """One customer's credit as of ``today``: grade and rule from the latest run,
    the manual limit if any, which one applies, exposure and alerts."""

    customer_id: int
    run_id: int | None = None
    run_as_of: dt.date | None = None
    grade: str | None = None
    score: int | None = None
    points: dict[str, int] = field(default_factory=dict)
    explanation: str | None = None
    rule_limit: Decimal | None = None
    limit_ceiling: Decimal | None = None
    limit_months: Decimal | None = None
    monthly_purchases: Decimal | None = None
    grade_terms_days: int | None = None
    payment_method: str | None = None
    discount_policy: str | None = None
    manual: CreditLimitOverride | None = None
    limit: Decimal | None = None
    limit_source: Literal["manual", "rule"] | None = None
    payment_terms_days: int | None = None
    exposure: Exposure = field(default_factory=Exposure)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def available(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.exposure.total


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _apply_rule(status: CreditStatus, grade: str, details: dict[str, Any]) -> None:
    status.grade, status.score = grade, details.get("score")
    status.points = dict(details.get("points") or {})
    status.rule_limit = _decimal(details.get("credit_limit"))
    status.limit_ceiling = _decimal(details.get("limit_ceiling", details.get("credit_limit")))
    status.limit_months = _decimal(details.get("limit_months"))
    status.monthly_purchases = _decimal(details.get("monthly_purchases"))
    status.grade_terms_days = details.get("payment_terms_days")
    status.payment_method = details.get("payment_method") or None
    status.discount_policy = details.get("discount_policy") or None


def _settle(status: CreditStatus, name: str, code: str | None) -> None:
    """Pick the limit that applies and raise the alerts."""
    if status.manual is not None:
        status.limit, status.limit_source = status.manual.amount, "manual"
        status.payment_terms_days = (status.manual.payment_terms_days if status.manual.payment_terms_days is not None
                                     else status.grade_terms_days)
    elif status.rule_limit is not None:
        status.limit, status.limit_source = status.rule_limit, "rule"
        status.payment_terms_days = status.grade_terms_days
    status.alerts = alerts_for(status.customer_id, name, code, status.exposure, status.limit)


def alerts_for(customer_id: int, name: str, code: str | None, exposure: Exposure, limit: Decimal | None) -> list[Alert]:
    out = []
    if limit is not None and exposure.total > limit:
        out.append(Alert(customer_id, name, code, "over_limit",
                         f"敞口 ¥{exposure.total:,.2f} 超出额度 ¥{limit:,.2f}（超 ¥{exposure.total - limit:,.2f}）",
                         exposure.total, limit, exposure.overdue_amount, exposure.oldest_overdue_due))
    if exposure.overdue_receivables:
        out.append(Alert(customer_id, name, code, "overdue",
                         f"{exposure.overdue_receivables} 笔应收逾期未付，共 ¥{exposure.overdue_amount:,.2f}，"
                         f"最早到期 {exposure.oldest_overdue_due}",
                         exposure.total, limit, exposure.overdue_amount, exposure.oldest_overdue_due))
    return out


def _invoices_since(session: Session, today: dt.date) -> dt.date:
    from fapiao.services.classification import current_config

    return today - dt.timedelta(days=current_config(session).config.credit.open_invoice_days)


def customer_credit(session: Session, customer_id: int, *, today: dt.date) -> CreditStatus:
    customer = require_customer(session, customer_id)
    status = CreditStatus(customer_id=customer.id)
    run = classification_repo.latest_run(session=session)
    if run is not None:
        status.run_id, status.run_as_of = run.id, run.as_of
        found = credit_repo.credit_results(session=session, run_id=run.id, customer_ids=[customer.id])
        if customer.id in found:
            grade, details = found[customer.id]
            _apply_rule(status, grade, details)
            history = classification_repo.customer_history(session=session, customer_id=customer.id, limit=1)
            status.explanation = next((row[5] for row in history if row[3] == "credit"), None)
    status.manual = credit_repo.active_override(session=session, customer_id=customer.id, today=today)
    status.exposure = credit_repo.exposures(session=session, today=today, invoices_since=_invoices_since(session, today),
                                            customer_ids=[customer.id]).get(customer.id, Exposure())
    _settle(status, customer.name, customer.code)
    return status


def credit_alerts(session: Session, *, today: dt.date) -> list[Alert]:
    """Every active customer over their limit or with overdue receivables, worst first."""
    exposures = credit_repo.exposures(session=session, today=today, invoices_since=_invoices_since(session, today))
    ids = [cid for cid, e in exposures.items() if e.total > 0 or e.overdue_receivables]
    if not ids:
        return []
    run = classification_repo.latest_run(session=session)
    results: dict[int, tuple[str, dict[str, Any]]] = {}
    names: dict[int, tuple[str, str | None, bool]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        if run is not None:
            results.update(credit_repo.credit_results(session=session, run_id=run.id, customer_ids=chunk))
        names.update(credit_repo.customer_names(session=session, customer_ids=chunk))
    overrides = credit_repo.active_overrides(session=session, today=today)
    alerts: list[Alert] = []
    for cid in ids:
        name, code, active = names.get(cid, (f"#{cid}", None, False))
        if not active:
            continue
        status = CreditStatus(customer_id=cid, exposure=exposures[cid], manual=overrides.get(cid))
        if cid in results:
            _apply_rule(status, *results[cid])
        _settle(status, name, code)
        alerts.extend(status.alerts)
    return sorted(alerts, key=lambda a: (a.kind != "over_limit", -(a.exposure - (a.limit or 0)), a.customer_id))


def approve_limit(
    *, session: Session, customer_id: int, amount: Decimal, reason: str, expires_on: dt.date | None,
    payment_terms_days: int | None, actor: Actor, today: dt.date,
) -> CreditLimitOverride:
    """A manager's approved limit for one customer; the previous one (if open) is revoked."""
    customer = require_customer(session, customer_id)
    errors = []
    if amount < 0 or amount > MAX_LIMIT or amount != amount.quantize(Decimal("0.01")):
        errors.append(FieldError("amount", "invalid", "额度须为 0 或正数，最多两位小数 / amount must be ≥ 0 with 2 decimals"))
    if not reason or not reason.strip():
        errors.append(FieldError("reason", "required", "请写明审批理由 / a reason is required"))
    if expires_on is not None and expires_on < today:
        errors.append(FieldError("expires_on", "past", "到期日不能早于今天 / expiry is in the past"))
    if payment_terms_days is not None and not 0 <= payment_terms_days <= 3650:
        errors.append(FieldError("payment_terms_days", "invalid", "账期天数须在 0–3650 之间 / 0–3650 days"))
    if errors:
        raise ValidationFailed(errors)
    amount = amount.quantize(Decimal("0.01"))
    previous = credit_repo.open_overrides(session=session, customer_id=customer.id)
    for old in previous:
        old.revoked_at, old.revoked_by = utcnow(), actor.name
    override = CreditLimitOverride(
        customer_id=customer.id, amount=amount, payment_terms_days=payment_terms_days, reason=reason.strip(),
        approved_by_id=actor.user_id, approved_by=actor.name, expires_on=expires_on,
    )
    session.add(override)
    session.flush()
    old_amount = previous[-1].amount if previous else None
    for field_name, old, new in (("manual_limit", old_amount, amount), ("manual_limit_reason", None, reason.strip()),
                                 ("manual_limit_expires_on", None, expires_on),
                                 ("manual_limit_terms_days", None, payment_terms_days)):
        if new is not None:
            audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="credit_limit",
                            entity="customer", entity_id=customer.id, field=field_name, old=old, new=new)
    return override


def revoke_limit(*, session: Session, customer_id: int, actor: Actor) -> None:
    customer = require_customer(session, customer_id)
    open_ones = credit_repo.open_overrides(session=session, customer_id=customer.id)
    if not open_ones:
        raise NotFound(f"客户 #{customer.id} 没有人工额度 / no manual limit to revoke")
    for old in open_ones:
        old.revoked_at, old.revoked_by = utcnow(), actor.name
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="credit_limit_revoke",
                        entity="customer", entity_id=customer.id, field="manual_limit", old=old.amount, new=None)
    session.flush()


def limit_history(session: Session, customer_id: int) -> list[CreditLimitOverride]:
    require_customer(session, customer_id)
    return credit_repo.overrides_of(session=session, customer_id=customer_id)
