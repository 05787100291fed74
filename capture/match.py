"""Which customer bought this? Match an invoice's 购买方 (buyer) against the
customer master.

The tax ID decides when it can (a valid 统一社会信用代码 read exactly, or
repaired from OCR confusions); names decide otherwise, first exactly after
normalisation, then by edit distance among candidates retrieved through a
character-bigram inverted index (so a 100 000-customer master stays fast).

Near-duplicates are the hazard: 上海华信电子有限公司 / 上海华信电子科技有限公司 /
北京华信电子有限公司 / …有限公司苏州分公司 / 上海华新电子有限公司 are different
taxpayers. So the fuzzy score is an edit similarity in which every character costs its
rarity in the master (log(1 + N/df)): a misread 司 in 有限公司 costs almost
nothing, a different 字号 or city character costs a lot, an inserted word such
as 科技 costs its weight; a branch that differs from the candidate's branch is
penalised; and whenever the evidence could point at two customers the result
is marked ``ambiguous`` for a person to confirm instead of guessing.
"""
from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from rapidfuzz.distance import Levenshtein

from capture.validate import is_plausible_tax_id, repair_tax_id

MatchMethod = Literal["tax_id", "exact_name", "alias", "fuzzy", "none"]

MIN_FUZZY_SCORE = 0.85  # below this a name similarity is not a match
# Between MIN_FUZZY_SCORE and this, the names differ in a distinctive character
# (字号, city): as likely another company as an OCR error, so a person confirms.
CONFIDENT_FUZZY_SCORE = 0.92
AMBIGUITY_MARGIN = 0.05  # top two candidates closer than this: ask a person
MIN_FUZZY_LENGTH = 4  # shorter normalised names (people, 2–3 characters) must match exactly
BRANCH_PENALTY = 0.9  # factor when both names have branches and the branches differ
LOOSE_SCORE = 0.95  # exact match only after dropping 股份 / moving a bracketed city
CANDIDATES_SHOWN = 5
_RETRIEVE = 64  # entries scored per query after bigram retrieval


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name: str
    tax_id: str | None
    industry: str | None = None
    region: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchResult:
    """``customer_id`` is the best candidate (None when nothing fits);
    ``ambiguous`` says a person must confirm it; ``candidates`` are the
    closest customers with their scores in 0..1, best first."""

    customer_id: str | None
    score: float
    method: MatchMethod
    ambiguous: bool
    candidates: list[tuple[str, float]] = field(default_factory=list)


# ---- names ---------------------------------------------------------------------

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")", "〈": "(", "〉": ")", "《": "(", "》": ")"})
_NOT_NAME_CHAR = re.compile(r"[\W_]+")
_LEGAL_FORMS = (("有限责任公司", "有限公司"), ("股份公司", "股份有限公司"))
_LEGAL_FORM_CHARS = "有限责任股份公司"
_BRANCH = re.compile(
    r"^(.*(?:公司|集团|厂|银行|医院|中心|研究院|研究所|学校|事务所|合作社|协会))"
    r"(.*?(?:分公司|分厂|分店|分行|支行|营业部|办事处|分部|分所|分中心|经营部|门市部|分院|分社))$"
)
_OPEN_BRACKET = re.compile(r"[(【〔\[{〈《]")
_BRACKETED_CITY = re.compile(r"^(.+?)\(([\u4e00-\u9fff]{2,4})\)(.+)$")
_NOT_A_CITY = ("集团", "中国", "股份", "控股", "个人", "普通合伙", "有限合伙")


def normalize_company_name(name: str) -> str:
    """The comparison key of a company name.

    1. NFKC: full-width letters, digits and brackets become half-width;
       Latin letters become upper case.
    2. Whitespace, punctuation and brackets of every shape (（）【】〔〕[] …) are
       removed, their content kept: 华信（上海）电子 and 华信(上海)电子 give the
       same key.
    3. 有限责任公司 → 有限公司 (the same legal form) and 股份公司 → 股份有限公司.
       股份 is kept: X股份有限公司 and X有限公司 may be different taxpayers.

    A branch stays in the key (a branch is its own taxpayer); use
    :func:`split_branch` to separate it.
    """
    return _strict_key(unicodedata.normalize("NFKC", name or ""))


def _strict_key(nfkc: str) -> str:
    s = _NOT_NAME_CHAR.sub("", nfkc.upper())
    if "公司" in s:
        for old, new in _LEGAL_FORMS:
            s = s.replace(old, new)
    return s


def split_branch(key: str) -> tuple[str, str]:
    """A normalised name split into (head office, branch):
    上海华信电子有限公司苏州分公司 → (上海华信电子有限公司, 苏州分公司); no branch → (key, "")."""
    m = _BRANCH.match(key)
    return (m.group(1), m.group(2)) if m else (key, "")


def _keys(name: str) -> tuple[str, str]:
    """(strict key, loose key). The loose key absorbs how clerks' software
    varies a name: 股份 dropped, a bracketed city moved to the front
    (华信（北京）电子 → 北京华信电子), a trailing 个人 dropped."""
    nfkc = unicodedata.normalize("NFKC", name or "")
    strict = _strict_key(nfkc)
    loose = strict
    if _OPEN_BRACKET.search(nfkc):
        m = _BRACKETED_CITY.match(re.sub(r"\s+", "", nfkc.translate(_BRACKETS)))
        if m and m.group(2) not in _NOT_A_CITY:
            loose = _strict_key(m.group(2) + m.group(1) + m.group(3))
    loose = loose.replace("股份有限公司", "有限公司")
    if loose.endswith("个人") and len(loose) > 3:
        loose = loose[:-2]
    return strict, loose


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)} if len(key) > 1 else {key}


def _clean_tax_id(tax_id: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", tax_id or "")).upper()


def _one_edit_apart(a: str, b: str) -> bool:
    """One character misread, lost or doubled: the detector cuts a code's first
    or last character as often as the recogniser misreads one."""
    return Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _far_apart(read: str, known: str | None) -> bool:
    """More than three edits: a reading of another code, not a misreading of this one."""
    return bool(known) and Levenshtein.distance(read, known, score_cutoff=4) > 3


# ---- index ---------------------------------------------------------------------


class CustomerIndex:
    """Customer master prepared for matching; build once, query many times.

    Queries do not mutate the index except :meth:`add_alias`, so one index can
    serve concurrent readers as long as aliases are added between batches.
    """

    def __init__(
        self,
        customers: Iterable[Customer],
        *,
        min_score: float = MIN_FUZZY_SCORE,
        confident_score: float = CONFIDENT_FUZZY_SCORE,
        ambiguity_margin: float = AMBIGUITY_MARGIN,
    ) -> None:
        self.min_score = min_score
        self.confident_score = confident_score
        self.ambiguity_margin = ambiguity_margin
        self._customers: list[Customer] = []
        self._position: dict[str, int] = {}
        self._by_tax_id: dict[str, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        self._by_alias: dict[str, list[int]] = {}
        self._by_loose: dict[str, list[int]] = {}
        self._entry_key: list[str] = []  # fuzzy-searchable names and aliases
        self._entry_owner: list[int] = []
        self._extra_entries: list[int] = []  # aliases added after the build, scanned directly
        for customer in customers:
            self._add(customer)
        self._build_postings()

    # -- construction --

    def _add(self, customer: Customer) -> None:
        if customer.customer_id in self._position:
            raise ValueError(f"duplicate customer_id {customer.customer_id!r} in the customer master")
        tax_id = _clean_tax_id(customer.tax_id) or None
        customer = Customer(customer.customer_id, customer.name, tax_id, customer.industry, customer.region, tuple(customer.aliases))
        position = len(self._customers)
        self._customers.append(customer)
        self._position[customer.customer_id] = position
        if tax_id:
            self._by_tax_id.setdefault(tax_id, []).append(position)
        self._index_name(position, customer.name, self._by_name)
        for alias in customer.aliases:
            self._index_name(position, alias, self._by_alias)

    def _index_name(self, position: int, name: str, exact: dict[str, list[int]]) -> int | None:
        key, loose = _keys(name)
        if not key:
            return None
        owners = exact.setdefault(key, [])
        if position not in owners:
            owners.append(position)
        owners = self._by_loose.setdefault(loose, [])
        if position not in owners:
            owners.append(position)
        self._entry_key.append(key)
        self._entry_owner.append(position)
        return len(self._entry_key) - 1

    def _build_postings(self) -> None:
        """A CSR inverted index: bigram → sorted entry numbers."""
        ids: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for entry, key in enumerate(self._entry_key):
            grams = [ids.setdefault(g, len(ids)) for g in _bigrams(key)]
            rows += grams
            cols += [entry] * len(grams)
        row_array = np.asarray(rows, dtype=np.int32)
        order = np.argsort(row_array, kind="stable")
        self._postings = np.asarray(cols, dtype=np.int32)[order]
        counts = np.bincount(row_array, minlength=len(ids))
        self._offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._gram_id = ids
        # Character weights: log(1 + N / document frequency). Characters in
        # nearly every name (有限公司) weigh little; the 字号 and the city weigh most.
        df: dict[str, int] = {}
        for key in self._entry_key:
            for ch in set(key):
                df[ch] = df.get(ch, 0) + 1
        n = max(len(self._entry_key), 1)
        self._weights = {ch: math.log1p(n / count) for ch, count in df.items()}
        self._unseen_weight = math.log1p(n)
        generic = min(self._weights.values(), default=1.0)
        for ch in _LEGAL_FORM_CHARS:  # 有限责任公司 normalises away, but OCR can break that
            self._weights[ch] = min(self._weights.get(ch, generic), generic * 1.5)
        # Bigrams in a large share of names (有限, 公司, 上海 …) do not discriminate.
        self._common_df = max(50, len(self._entry_key) // 20)

    @classmethod
    def from_csv(cls, path: str | Path, **options) -> CustomerIndex:
        """Read ``customer_id,name,tax_id,industry,region[,aliases]`` (UTF-8, with
        or without BOM; every value read as text, aliases separated by | or ;)."""
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = {c.strip().lower() for c in reader.fieldnames or []}
            missing = {"customer_id", "name"} - columns
            if missing:
                raise ValueError(f"customer file lacks column(s) {', '.join(sorted(missing))}; expected customer_id,name,tax_id,industry,region")
            customers = []
            for line, row in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
                if not any(row.values()):
                    continue
                if not row.get("customer_id") or not row.get("name"):
                    raise ValueError(f"customer file line {line}: customer_id and name are required")
                aliases = tuple(a.strip() for a in re.split(r"[|;；]", row.get("aliases", "")) if a.strip())
                customers.append(
                    Customer(row["customer_id"], row["name"], row.get("tax_id") or None, row.get("industry") or None, row.get("region") or None, aliases)
                )
        return cls(customers, **options)

    def add_alias(self, customer_id: str, alias: str) -> None:
        """Remember a name under which a customer was confirmed in review."""
        position = self._position[customer_id]
        entry = self._index_name(position, alias, self._by_alias)
        if entry is not None:
            self._extra_entries.append(entry)
            old = self._customers[position]
            self._customers[position] = Customer(old.customer_id, old.name, old.tax_id, old.industry, old.region, old.aliases + (alias,))

    def __len__(self) -> int:
        return len(self._customers)

    def get(self, customer_id: str) -> Customer | None:
        position = self._position.get(customer_id)
        return None if position is None else self._customers[position]

    # -- name scoring --

    def _retrieve(self, key: str) -> list[int]:
        grams = [self._gram_id[g] for g in _bigrams(key) if g in self._gram_id]
        if not grams:
            return []
        sizes = self._offsets[np.asarray(grams) + 1] - self._offsets[np.asarray(grams)]
        selected = [g for g, n in zip(grams, sizes) if n <= self._common_df]
        if not selected:  # only generic bigrams: use the three rarest
            selected = [g for _, g in sorted(zip(sizes.tolist(), grams))[:3]]
        hits = np.concatenate([self._postings[self._offsets[g] : self._offsets[g + 1]] for g in selected])
        entries, counts = np.unique(hits, return_counts=True)
        if len(entries) > _RETRIEVE:
            entries = entries[np.argpartition(-counts, _RETRIEVE)[:_RETRIEVE]]
        return entries.tolist()

    def _name_scores(self, name: str | None) -> dict[int, tuple[float, MatchMethod]]:
        """Best score and how it was reached, per customer position."""
        key, loose = _keys(name or "")
        scores: dict[int, tuple[float, MatchMethod]] = {}
        if not key:
            return scores

        def offer(position: int, score: float, method: MatchMethod) -> None:
            if position not in scores or score > scores[position][0]:
                scores[position] = (score, method)

        for position in self._by_name.get(key, ()):
            offer(position, 1.0, "exact_name")
        for position in self._by_alias.get(key, ()):
            offer(position, 1.0, "alias")
        for position in self._by_loose.get(loose, ()):
            offer(position, LOOSE_SCORE, "exact_name")
        if len(key) >= MIN_FUZZY_LENGTH:
            branch = split_branch(key)[1]
            for entry in self._retrieve(key) + self._extra_entries:
                candidate = self._entry_key[entry]
                if Levenshtein.normalized_similarity(key, candidate, score_cutoff=0.5):
                    score = self._similarity(key, branch, candidate)
                    if score >= 0.5:
                        offer(self._entry_owner[entry], round(score, 4), "fuzzy")
        return scores

    def _similarity(self, query: str, query_branch: str, candidate: str) -> float:
        """Edit similarity in 0..1 where each edited character costs its weight:
        one wrong character in 有限公司 barely matters, one in the 字号 decides
        between two companies. A differing branch is penalised on top."""
        if query == candidate:
            return 1.0
        weight, unseen = self._weights, self._unseen_weight
        cost = 0.0
        for op, i, j in Levenshtein.editops(query, candidate).as_list():
            if op == "replace":  # what was lost is the master's character
                cost += weight.get(candidate[j], unseen)
            elif op == "delete":
                cost += weight.get(query[i], unseen)
            else:
                cost += weight.get(candidate[j], unseen)
        total = max(sum(weight.get(c, unseen) for c in query), sum(weight.get(c, unseen) for c in candidate))
        score = max(0.0, 1.0 - cost / total)
        candidate_branch = split_branch(candidate)[1]
        if query_branch and candidate_branch and query_branch != candidate_branch:
            score *= BRANCH_PENALTY
        return score

    def _name_similarity(self, name: str, position: int) -> float:
        key = normalize_company_name(name)
        customer = self._customers[position]
        branch = split_branch(key)[1]
        return max(self._similarity(key, branch, normalize_company_name(n)) for n in (customer.name, *customer.aliases))

    # -- matching --

    def match(self, name: str | None, tax_id: str | None) -> MatchResult:
        """The customer behind a buyer name and tax ID as read from an invoice.

        Order: the tax ID (exact, repaired, or one character off when the name
        agrees), then the normalised name or an alias, then fuzzy names.
        ``ambiguous`` is set when the tax ID and the name point at different
        customers, when two candidates score within ``ambiguity_margin``, when
        several customers share the key, or when a fuzzy match differs in a
        distinctive character (score below ``confident_score``). Nothing that
        scores below ``min_score`` is returned as a match.
        """
        names = self._name_scores(name)
        ranked = sorted(names.items(), key=lambda kv: (-kv[1][0], kv[0]))
        candidates = [(self._customers[p].customer_id, s) for p, (s, _) in ranked[:CANDIDATES_SHOWN]]
        tid = _clean_tax_id(tax_id)

        by_tax = self._match_tax_id(tid, name, names, ranked)
        if by_tax is not None:
            position, score, ambiguous = by_tax
            customer_id = self._customers[position].customer_id
            shown = [(customer_id, score)] + [c for c in candidates if c[0] != customer_id]
            return MatchResult(customer_id, score, "tax_id", ambiguous, shown[:CANDIDATES_SHOWN])

        if not ranked or ranked[0][1][0] < self.min_score:
            return MatchResult(None, ranked[0][1][0] if ranked else 0.0, "none", False, candidates)
        position, (score, method) = ranked[0]
        ambiguous = score < self.confident_score or (len(ranked) > 1 and ranked[1][1][0] >= score - self.ambiguity_margin)
        best = self._customers[position]
        if tid and best.tax_id and best.tax_id != tid:
            # A valid tax ID read that points elsewhere (or nowhere) means the name
            # alone must not decide; an unreadable one only when it is far off.
            from rapidfuzz.distance import Levenshtein

            if is_plausible_tax_id(tid) or Levenshtein.distance(tid, best.tax_id) > 3:
                ambiguous = True
        return MatchResult(best.customer_id, score, method, ambiguous, candidates)

    def _match_tax_id(
        self,
        tid: str,
        name: str | None,
        names: dict[int, tuple[float, MatchMethod]],
        ranked: list[tuple[int, tuple[float, MatchMethod]]],
    ) -> tuple[int, float, bool] | None:
        """(position, score, ambiguous) when the tax ID identifies a customer:
        read exactly, repaired from OCR confusions, or — when it fails its
        check — one character away (misread, lost or doubled) from the tax ID
        of the customer the name points at."""
        if not tid:
            return None
        confidence = 0.0
        positions: list[int] = []
        if tid in self._by_tax_id:
            positions = self._by_tax_id[tid]
            confidence = 1.0 if is_plausible_tax_id(tid) else 0.95  # master and OCR agree on an odd ID
        else:
            repaired, repair_confidence = repair_tax_id(tid)
            if repaired and repaired in self._by_tax_id:
                positions, confidence = self._by_tax_id[repaired], repair_confidence
        if not positions:
            # One OCR error in a tax ID that fails its check is tolerated when the
            # name independently points at the same customer.
            if is_plausible_tax_id(tid):
                return None
            agreeing = [
                p for p, (s, _) in ranked
                if s >= self.min_score and self._customers[p].tax_id and _one_edit_apart(tid, self._customers[p].tax_id)
            ]
            if len(agreeing) != 1:
                return None
            position = agreeing[0]
            score = round(0.9 * names[position][0], 4)
            # A name as close as this one's (a namesake, 有限公司 beside 有限责任公司) stays
            # a doubt only when its own tax ID could be the reading too: one far
            # from what was read is ruled out by it.
            ambiguous = any(
                p != position and s >= names[position][0] - self.ambiguity_margin
                and not _far_apart(tid, self._customers[p].tax_id)
                for p, (s, _) in ranked
            )
            return position, score, ambiguous

        if not normalize_company_name(name or ""):
            return positions[0], confidence, len(positions) > 1
        similarity = {p: names[p][0] if p in names else self._name_similarity(name, p) for p in positions}
        position = max(positions, key=lambda p: (similarity[p], -p))
        ambiguous = len(positions) > 1 and sorted(similarity.values())[-2] >= similarity[position] - self.ambiguity_margin
        # The name read points at someone else, or at no one like this customer.
        if ranked and ranked[0][0] != position and ranked[0][1][0] >= self.min_score and ranked[0][1][0] > similarity[position] + self.ambiguity_margin:
            ambiguous = True
        if similarity[position] < 0.6:
            ambiguous = True
        score = confidence if similarity[position] >= self.min_score else round(confidence * 0.9, 4)
        return position, score, ambiguous
