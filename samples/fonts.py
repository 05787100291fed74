"""Find installed CJK fonts and hand out cached PIL fonts, per role and per family.

Rendering needs a CJK font; the committed fixed set does not.  Roles map to
what invoices use: a 宋体-like serif for forms and e-invoice data, a sans for
needle-printer data, a monospace for the 密码区.

Without a family (``family=None``) the roles resolve as they always did (Noto
CJK first, WenQuanYi Micro Hei for ``hei``): the committed fixed set was drawn
that way.  New sets draw each invoice in one of ``FAMILIES`` (chosen by seed),
so the capture code is measured on glyph shapes it was not tuned on; one
family is kept out of development (``samples.variation.HELD_OUT_FONT``).
"""
from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

KNOWN_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
# role → (file name fragment, family fragment) preferences, best first
ROLE_PREFS = {
    "serif": (("NotoSerifCJK-Regular", "SC"), ("wqy-microhei", "Micro Hei"), ("", "")),
    "serif_bold": (("NotoSerifCJK-Bold", "SC"), ("NotoSansCJK-Bold", "SC"), ("", "")),
    "sans": (("NotoSansCJK-Regular", "CJK SC"), ("wqy-microhei", "Micro Hei"), ("", "")),
    "sans_bold": (("NotoSansCJK-Bold", "CJK SC"), ("NotoSansCJK-Regular", "CJK SC"), ("", "")),
    "mono": (("NotoSansCJK-Regular", "Mono CJK SC"), ("wqy-microhei", "Micro Hei Mono"), ("", "")),
    "hei": (("wqy-microhei", "Micro Hei"), ("NotoSansCJK-Regular", "CJK SC"), ("", "")),
}


# family → role → (file name fragment, family fragment), best first.  Families
# without a bold or mono face fall back to their regular face.
FAMILIES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "noto": {
        "serif": (("NotoSerifCJK-Regular", "SC"),), "serif_bold": (("NotoSerifCJK-Bold", "SC"),),
        "sans": (("NotoSansCJK-Regular", "CJK SC"),), "sans_bold": (("NotoSansCJK-Bold", "CJK SC"),),
        "mono": (("NotoSansCJK-Regular", "Mono CJK SC"),), "hei": (("NotoSansCJK-Regular", "CJK SC"),),
    },
    "wqy-microhei": {role: (("wqy-microhei", "Mono" if role == "mono" else "Micro Hei"),)
                     for role in ROLE_PREFS},
    "wqy-zenhei": {role: (("wqy-zenhei", "Zen Hei Mono" if role == "mono" else "Zen Hei"),)
                   for role in ROLE_PREFS},
    "arphic-uming": {role: (("uming", "UMing CN"),) for role in ROLE_PREFS},
    "arphic-ukai": {role: (("ukai", "UKai CN"),) for role in ROLE_PREFS},
}
FAMILY_PACKAGES = {"noto": "fonts-noto-cjk", "wqy-microhei": "fonts-wqy-microhei", "wqy-zenhei": "fonts-wqy-zenhei",
                   "arphic-uming": "fonts-arphic-uming", "arphic-ukai": "fonts-arphic-ukai"}


class FontMissing(RuntimeError):
    """No CJK font is installed, so invoices cannot be rendered."""


@lru_cache(maxsize=1)
def _installed() -> tuple[tuple[str, int, str], ...]:
    """(file, face index, family) for every CJK face fontconfig knows, or the known paths."""
    found: list[tuple[str, int, str]] = []
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "-f", "%{file}\t%{index}\t%{family}\n"],
                             capture_output=True, text=True, timeout=20, check=False).stdout
        for row in out.splitlines():
            parts = row.split("\t")
            if len(parts) == 3 and parts[1].isdigit():
                found.append((parts[0], int(parts[1]), parts[2]))
    except (OSError, subprocess.SubprocessError):
        pass
    if not found:
        found = [(p, 0, Path(p).stem) for p in KNOWN_PATHS if Path(p).exists()]
    if not found:
        raise FontMissing("no CJK font found: install fonts-noto-cjk or fonts-wqy-microhei (`make fonts`)")
    return tuple(sorted(found))


def _find(prefs: tuple[tuple[str, str], ...]) -> tuple[str, int] | None:
    for file_part, family_part in prefs:
        for path, index, family in _installed():
            if file_part in Path(path).name and family_part in family:
                return path, index
    return None


@lru_cache(maxsize=None)
def font_face(role: str, family: str | None = None) -> tuple[str, int]:
    """(file, face index) for ``role``; with a ``family``, that family's face or FontMissing."""
    if family is not None:
        found = _find(FAMILIES[family][role])
        if found is None:
            raise FontMissing(f"font family {family} is not installed: install {FAMILY_PACKAGES[family]} "
                              "(`make fonts`)")
        return found
    found = _find(ROLE_PREFS[role])
    if found is None:
        faces = _installed()
        return faces[0][0], faces[0][1]
    return found


def installed_families() -> tuple[str, ...]:
    """The families of ``FAMILIES`` whose regular face is installed, in a fixed order."""
    return tuple(name for name, roles in FAMILIES.items() if _find(roles["serif"]) is not None)


@lru_cache(maxsize=96)  # each CJK face holds ~2 MB; sizes vary per capture resolution
def font(role: str, size_px: int, family: str | None = None) -> ImageFont.FreeTypeFont:
    path, index = font_face(role, family)
    return ImageFont.truetype(path, max(6, size_px), index=index)


def require_fonts() -> None:
    """Raise FontMissing early, before any file is written."""
    _installed()
