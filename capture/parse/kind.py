"""Which of DOMAIN.md's invoice kinds a page is, from its title and numbers."""
from __future__ import annotations

import re

_TITLE_RULES: tuple[tuple[str, str], ...] = (
    (r"电子发票\(?(增值税)?专用发票", "digital_special"),
    (r"电子发票\(?普通发票", "digital_general"),
    (r"增值税电子专用发票", "vat_electronic_special"),
    (r"增值税电子普通发票", "vat_electronic_general"),
    (r"增值税专用发票", "vat_special"),
    (r"增值税普通发票", "vat_general"),
)
QR_TYPES = {"01": "vat_special", "04": "vat_general", "10": "vat_electronic_general",
            "08": "vat_electronic_special", "31": "digital_special", "32": "digital_general"}


def kind_from_title(text: str) -> str | None:
    """`text` is the squashed text of the page's title lines."""
    for pattern, kind in _TITLE_RULES:
        if re.search(pattern, text):
            return kind
    return None


def kind_from_numbers(code: str | None, number: str | None, *, special_hint: bool) -> str | None:
    if number and len(number) == 20 and not code:
        return "digital_special" if special_hint else "digital_general"
    if code and len(code) == 12:
        return {"11": "vat_electronic_general", "13": "vat_electronic_special"}.get(code[-2:], "vat_general")
    if code and len(code) == 10:
        return "vat_special" if special_hint else "vat_general"
    return None
