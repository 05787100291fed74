"""Sellers known from accepted invoices: which name goes with which tax ID.

Why: the seller has no customer master, so a misread character in its name
(睿 read 誉, 筑 read 封 under a seal or in a calligraphic font) had nothing to
be judged by, and its tax ID, lost under the seal, nothing to be completed
from. But a finance team sees the same sellers again and again, and the tax
system prints on an invoice the name registered for the seller's 统一社会信用代码:
one code, one name. Once a person has accepted an invoice of that seller, the
pair is known.

The index is plain data, built by the services from accepted invoices (or
from a CSV for ``fapiao extract --sellers``) and read-only while an invoice is
judged; nothing is learnt in process memory. Matching reuses
:class:`capture.match.CustomerIndex` (tax ID first, repaired or one character
off when the name agrees; then names, exact then weighted fuzzy, ambiguous
when two sellers are close), with the tax ID as the entry's id.
"""
from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from capture.match import Customer, CustomerIndex, normalize_company_name
from capture.validate import is_valid_uscc


@dataclass(frozen=True, slots=True)
class KnownSeller:
    tax_id: str
    name: str  # the name accepted most often with this tax ID


class SellerIndex:
    """Tax ID → accepted name, searchable by name as well."""

    def __init__(self, pairs: Iterable[tuple[str | None, str | None]]) -> None:
        names: dict[str, Counter] = defaultdict(Counter)
        valid: dict[str, bool] = {}  # a seller's tax ID comes once per invoice: its check is computed once
        for tax_id, name in pairs:
            tax_id = (tax_id or "").strip().upper()
            name = (name or "").strip()
            if tax_id not in valid:
                valid[tax_id] = len(tax_id) == 18 and is_valid_uscc(tax_id)
            if name and valid[tax_id]:
                names[tax_id][name] += 1
        self._sellers = {
            tax_id: KnownSeller(tax_id, counts.most_common(1)[0][0]) for tax_id, counts in sorted(names.items())
        }
        self._matcher = CustomerIndex(
            Customer(customer_id=s.tax_id, name=s.name, tax_id=s.tax_id) for s in self._sellers.values()
        ) if self._sellers else None

    def __len__(self) -> int:
        return len(self._sellers)

    def get(self, tax_id: str | None) -> KnownSeller | None:
        return self._sellers.get((tax_id or "").strip().upper())

    def find(self, name: str | None, tax_id: str | None) -> KnownSeller | None:
        """The one known seller a name and tax ID as read point at; None when
        none does or when the reading could be either of two (a person decides)."""
        if self._matcher is None or not (name or tax_id):
            return None
        result = self._matcher.match(name, tax_id)
        if result.customer_id is None or result.ambiguous:
            return None
        return self._sellers[result.customer_id]

    @classmethod
    def from_csv(cls, path: str | Path) -> SellerIndex:
        """Read ``tax_id,name`` rows (UTF-8, with or without BOM, every value as text)."""
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
            missing = {"tax_id", "name"} - columns
            if missing:
                raise ValueError(f"seller file lacks column(s) {', '.join(sorted(missing))}; expected tax_id,name")
            rows = [{(k or "").strip().lower(): _cell(v) for k, v in row.items() if k} for row in reader]
        return cls((row.get("tax_id"), row.get("name")) for row in rows)


def _cell(value: str | None) -> str:
    """A cell as written: the apostrophe an export puts before text a spreadsheet
    would run (=, +, -, @; the server's /sellers.csv does) is not part of it."""
    text = (value or "").strip()
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def same_name(a: str | None, b: str | None) -> bool:
    return bool(a and b) and normalize_company_name(a) == normalize_company_name(b)
