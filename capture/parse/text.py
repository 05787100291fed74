"""Text normalisation shared by the parsers: NFKC plus the fixes PP-OCR needs."""
from __future__ import annotations

import re
import unicodedata

# Characters OCR puts where a digit belongs, for fields that are digits only.
DIGIT_CONFUSIONS = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1", "Z": "2", "z": "2",
     "S": "5", "s": "5", "B": "8", "b": "6", "G": "6", "g": "9", "q": "9", "T": "7"}
)


def norm(text: str) -> str:
    """NFKC (full-width → half-width), unify colons and brackets, drop odd spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("★", "*").replace("☆", "*").replace("※", "*").replace("＊", "*")
    text = text.replace("：", ":").replace("（", "(").replace("）", ")").replace("￥", "¥").replace("Ұ", "¥")
    return text.strip()


def squash(text: str) -> str:
    """Without any whitespace: labels are matched on this."""
    return re.sub(r"\s+", "", norm(text))


def digits_only(text: str, *, fix_confusions: bool = True) -> str:
    text = squash(text)
    if fix_confusions:
        text = text.translate(DIGIT_CONFUSIONS)
    return re.sub(r"\D", "", text)


def after_label(text: str, label_pattern: str) -> str | None:
    """The text after `label:` in a line, or None when the label is absent."""
    match = re.search(label_pattern + r"\s*:?\s*", squash(text))
    if not match:
        return None
    return squash(text)[match.end():]
