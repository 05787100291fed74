"""Find installed CJK fonts (Noto CJK, WenQuanYi) and hand out cached PIL fonts.

Rendering needs a CJK font; the committed fixed set does not.  Roles map to
what invoices use: a 宋体-like serif for forms and e-invoice data, a sans for
needle-printer data, a monospace for the 密码区.
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


@lru_cache(maxsize=None)
def font_face(role: str) -> tuple[str, int]:
    faces = _installed()
    for file_part, family_part in ROLE_PREFS[role]:
        for path, index, family in faces:
            if file_part in Path(path).name and family_part in family:
                return path, index
    return faces[0][0], faces[0][1]


@lru_cache(maxsize=48)  # each CJK face holds ~2 MB; sizes vary per capture resolution
def font(role: str, size_px: int) -> ImageFont.FreeTypeFont:
    path, index = font_face(role)
    return ImageFont.truetype(path, max(6, size_px), index=index)


def require_fonts() -> None:
    """Raise FontMissing early, before any file is written."""
    _installed()
