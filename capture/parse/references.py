"""Red-invoice references in 备注 (remarks): a number counts only *with its label*.

Real blue invoices carry many numbers in 备注 — 订单号, 运单号, 车牌号, a 代开
seller's tax ID, masked ID numbers (41071119****517), bank accounts, project
numbers. None of them names a blue invoice, so none of them may make an
invoice red (DOMAIN.md). A reference is read only after one of the labels the
red forms print, and it keeps that label's meaning:

=================================================  =========================  ==================
label                                              field                      digits
=================================================  =========================  ==================
开具红字增值税专用发票信息表编号 / 红字发票信息表编号  red_info_number (信息表)    16, with a check digit
红字发票信息确认单编号                              red_info_number (确认单)    16–20
对应正数发票代码 / 被红冲蓝字发票代码                original_invoice_code      12 or 10
… 号码 (after that code) / 被红冲蓝字数电发票号码      original_invoice_number    8 after a code, else 20
=================================================  =========================  ==================

Tolerant in the label (full/half-width colons, spaces and line breaks, a
character of the label's lead-in lost), strict in the number: its length
comes from the label, and digit groups split by spaces or line wraps are
joined only as far as that length.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

_DIGIT_LIKE = "0-9OoDlI|"
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})
# A digit run: groups of digit-like characters separated by single spaces (print
# spacing, or a line wrap inside the 备注 box).
_RUN = re.compile(rf"[{_DIGIT_LIKE}]+(?: [{_DIGIT_LIKE}]+)*")
# Between a label's key words only the label's own characters may stand, so
# prose that happens to contain 红冲 … 号码 ("已红冲重开，原发票号码…", on a
# re-issued blue invoice) is no label.
_TITLE_WORDS = "[增值税专用普通电子发票数]"
_BLUE_WORDS = "[蓝字数电发票]"
_MA = "[码碼玛吗]"  # 码 and what OCR reads for it
_HAO = "[号號]"
_XI = "[息思悬]"  # 息 and what OCR reads for it (红字发票信思表编号, 信悬表)
_NO = rf"(?:[编編]{_HAO}|[编編]{_MA}|{_HAO}{_MA}|{_HAO})"
_LABELS = re.compile(
    rf"(?P<info>(?:红字{_TITLE_WORDS}{{0,10}}|发票)(?:信{_XI}表|通知单){_NO}?)"
    rf"|(?P<confirm>(?:红字|发票|信{_XI})[发票信息思数电]{{0,6}}确认单{_NO}?)"
    rf"|(?P<code>(?:对应正数|正数|被红冲|红冲|蓝字){_BLUE_WORDS}{{0,6}}代{_MA})"
    rf"|(?P<number>(?:对应正数|正数|被红冲|红冲|蓝字){_BLUE_WORDS}{{0,6}}{_HAO}{_MA})"
)
_VALUE_START = re.compile(r"[:为]?(?:No\.?)?")
# After a labelled blue code, its 号码 follows with at most a separator between.
_NUMBER_AFTER_CODE = re.compile(r"[,/、.。;]?(?:发票)?[号號][码碼玛吗][:为]?")

RedInfoKind = Literal["info_table", "confirmation"]
RED_INFO_LENGTH = 16
CONFIRMATION_LENGTHS = (20, 19, 18, 17, 16)


def is_valid_red_info_number(s: str | None) -> bool:
    """开具红字增值税专用发票信息表编号: 16 digits, last = Σ first 15 mod 10,
    digits 7–8 a year ≥ 07, digits 9–10 a month 01–12."""
    if not s or len(s) != 16 or not (s.isdigit() and s.isascii()):
        return False
    if sum(int(c) for c in s[:15]) % 10 != int(s[15]):
        return False
    return int(s[6:8]) >= 7 and 1 <= int(s[8:10]) <= 12


@dataclass(slots=True)
class RedReferences:
    """What 备注 says a red invoice reverses. ``labels`` lists the reference
    labels seen, also those whose number could not be read."""

    original_invoice_code: str | None = None
    original_invoice_number: str | None = None
    red_info_number: str | None = None
    red_info_kind: RedInfoKind | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "original_invoice_code": self.original_invoice_code,
            "original_invoice_number": self.original_invoice_number,
            "red_info_number": self.red_info_number,
        }

    def any(self) -> bool:
        return bool(self.original_invoice_code or self.original_invoice_number or self.red_info_number)


def normalise(text: str) -> str:
    """NFKC, then whitespace dropped except one space between two digit-like
    characters (it may separate digit groups of one number, or two numbers)."""
    text = unicodedata.normalize("NFKC", text)
    digit = f"[{_DIGIT_LIKE}]"
    text = re.sub(rf"(?<={digit})\s+(?={digit})", "\x00", text)
    return re.sub(r"\s+", "", text).replace("\x00", " ")


def read_red_references(text: str | None) -> RedReferences:
    """The labelled red references in ``text`` (the 备注 box, or the part of the
    page where it is printed). The first reading of each field wins."""
    refs = RedReferences()
    if not text:
        return refs
    text = normalise(text)
    for match in _LABELS.finditer(text):
        kind = match.lastgroup or ""
        refs.labels.append(kind)
        run, end = _run_after(text, match.end())
        if kind == "info" and refs.red_info_number is None and run:
            refs.red_info_number, conf = _red_info_number(run)
            refs.red_info_kind = "info_table"
            refs.confidence["red_info_number"] = conf
        elif kind == "confirm" and refs.red_info_number is None and run:
            # 16–20 digits: groups that add up to the longest such length belong together.
            refs.red_info_number, conf = _fit(run, CONFIRMATION_LENGTHS, joined_first=True)
            refs.red_info_kind = "confirmation"
            refs.confidence["red_info_number"] = conf
        elif kind == "code" and refs.original_invoice_code is None and run:
            refs.original_invoice_code, refs.confidence["original_invoice_code"] = _fit(run, (12, 10))
            follow = _NUMBER_AFTER_CODE.match(text, end)
            if follow and refs.original_invoice_number is None:
                number_run, _ = _run_after(text, follow.end())
                if number_run:
                    refs.original_invoice_number, refs.confidence["original_invoice_number"] = _fit(number_run, (8,))
        elif kind == "number" and refs.original_invoice_number is None and run:
            if "数电" in match.group(0):
                lengths: tuple[int, ...] = (20,)
            elif refs.original_invoice_code:
                lengths = (8,)
            else:
                lengths = (20, 8)
            refs.original_invoice_number, refs.confidence["original_invoice_number"] = _fit(run, lengths)
    return refs


def parse_red_remarks(remarks: str | None) -> dict[str, str | None]:
    """The blue invoice a red one reverses, read from 备注 (remarks): the keys
    ``original_invoice_code``, ``original_invoice_number`` and
    ``red_info_number``, each None unless printed after its label."""
    return read_red_references(remarks).as_dict()


def _run_after(text: str, pos: int) -> tuple[list[str], int]:
    """Digit groups starting right after a label (and its colon), and where they end."""
    start = _VALUE_START.match(text, pos)
    pos = start.end() if start else pos
    run = _RUN.match(text, pos)
    if not run:
        return [], pos
    groups = [g.translate(_DIGIT_FIX) for g in run.group(0).split(" ")]
    if sum(len(g) for g in groups) < 6:  # a label followed by a stray digit is no number
        return [], pos
    return groups, run.end()


def _fit(groups: list[str], lengths: tuple[int, ...], *, joined_first: bool = False) -> tuple[str, float]:
    """The number the label promises, from digit groups: a first group of the
    right length; else leading groups that add up to it (a number split by
    print spacing or a wrap); else the first digits of a run that swallowed
    more (less sure); a run too short is returned as read for review to see."""
    if len(groups[0]) in lengths and not (joined_first and len(groups) > 1):
        return groups[0], 0.95
    joined, cumulative = "", []
    for group in groups:
        joined += group
        cumulative.append(len(joined))
    for n in lengths:
        if n in cumulative:
            return joined[:n], 0.95 if n == cumulative[0] else 0.9
    longer = [n for n in lengths if len(joined) > n]
    if longer:
        return joined[: max(longer)], 0.6
    return joined, 0.5


def _red_info_number(groups: list[str]) -> tuple[str, float]:
    """A 信息表编号: 16 digits whose check digit holds; in a longer run the one
    16-digit window that passes the check."""
    value, confidence = _fit(groups, (RED_INFO_LENGTH,))
    if len(value) == RED_INFO_LENGTH and confidence >= 0.9:
        return value, confidence if is_valid_red_info_number(value) else 0.7
    joined = "".join(groups)
    if len(joined) > RED_INFO_LENGTH:
        valid = [joined[i:i + 16] for i in range(len(joined) - 15) if is_valid_red_info_number(joined[i:i + 16])]
        if len(valid) == 1:
            return valid[0], 0.85
    return value, min(confidence, 0.6)
