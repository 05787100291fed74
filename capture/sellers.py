"""Seller names and tax IDs remembered across the invoices one pipeline reads.

A finance team's red invoices come from few sellers (often its own company),
and a seal hides the seller block on many of them. Sellers have no master to
check against, so the pipeline votes: every confident reading (a tax ID of
valid layout beside a name read with high confidence) counts for that pair,
and a later invoice whose seller name was read differently under the same
tax ID — or whose tax ID did not read beside a known name — takes the pair
most readings agreed on.
"""
from __future__ import annotations

import threading
from collections import Counter, defaultdict

from capture.match import normalize_company_name
from capture.types import InvoiceDraft
from capture.validate import fits_uscc_layout

SURE_NAME = 0.97  # OCR confidence at which a seller name counts as a vote


class SellerMemory:
    def __init__(self) -> None:
        self._names: dict[str, Counter[str]] = defaultdict(Counter)  # tax ID → name → votes
        self._tax_ids: dict[str, Counter[str]] = defaultdict(Counter)  # name key → tax ID → votes
        self._lock = threading.Lock()

    def learn(self, draft: InvoiceDraft) -> None:
        name, tax_id = draft.seller_name, draft.seller_tax_id
        if not name or not tax_id or not fits_uscc_layout(tax_id):
            return
        if draft.confidence.get("seller_name", 0.0) < SURE_NAME or draft.sources.get("seller_name") == "corrected":
            return
        with self._lock:
            self._names[tax_id][name] += 1
            self._tax_ids[normalize_company_name(name)][tax_id] += 1

    def correct(self, draft: InvoiceDraft) -> None:
        """Apply what earlier invoices agreed on; mark what changed as corrected."""
        with self._lock:
            tax_id = draft.seller_tax_id
            if tax_id and fits_uscc_layout(tax_id) and self._names.get(tax_id):
                known, votes = self._names[tax_id].most_common(1)[0]
                read = draft.seller_name
                if votes >= 2 and read != known and (
                    read is None or normalize_company_name(read) != normalize_company_name(known)
                ):
                    draft.seller_name = known
                    draft.confidence["seller_name"] = 0.95
                    draft.sources["seller_name"] = "corrected"
            elif not (tax_id and fits_uscc_layout(tax_id)):
                known_id = self._tax_id_for(draft.seller_name, tax_id)
                if known_id is not None:
                    draft.seller_tax_id = known_id
                    draft.confidence["seller_tax_id"] = 0.95
                    draft.sources["seller_tax_id"] = "corrected"
                    known, votes = self._names[known_id].most_common(1)[0]
                    if draft.seller_name is None or normalize_company_name(draft.seller_name) != normalize_company_name(known):
                        draft.seller_name = known
                        draft.confidence["seller_name"] = 0.95
                        draft.sources["seller_name"] = "corrected"

    def _tax_id_for(self, name: str | None, read_tax_id: str | None) -> str | None:
        """The remembered tax ID of a seller: by its exact name, else the one
        remembered ID (two votes or more) a few characters off the ID read."""
        if name:
            candidates = self._tax_ids.get(normalize_company_name(name))
            if candidates and len(candidates) == 1:
                known_id, votes = candidates.most_common(1)[0]
                if votes >= 2:
                    return known_id
        if read_tax_id:
            from rapidfuzz.distance import Levenshtein

            near = [t for t, names in self._names.items()
                    if sum(names.values()) >= 2 and Levenshtein.distance(read_tax_id, t) <= 3]
            if len(near) == 1:
                return near[0]
        return None
