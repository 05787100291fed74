#!/usr/bin/env bash
# Build .venv-paddle: the project plus its optional `paddle` extra (paddleocr),
# kept apart from the main .venv because paddlex pins numpy<2.4 and
# opencv-contrib-python 4.10, which clash with the default stack.
#
# Idempotent: when the venv already imports paddleocr and the project, it
# exits 0 without touching the network. Force a rebuild with
# FAPIAO_PADDLE_REBUILD=1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FAPIAO_PADDLE_VENV:-$ROOT/.venv-paddle}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
# paddlex pins opencv-contrib-python to this version; the project's
# opencv-python-headless is held to the same one so both write the same cv2.
OPENCV_VERSION="4.10.0.84"

# Ready = imports paddleocr, pytest and this checkout's own capture package
# (a venv copied from another clone would import that clone's code).
ready() {
    [ -x "$VENV/bin/python" ] && (cd / && "$VENV/bin/python" - "$ROOT" <<'PY') >/dev/null 2>&1
import sys
from pathlib import Path
import cv2, numpy, paddleocr, pytest, capture.ocr.paddle
assert Path(capture.ocr.paddle.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve())
PY
}

if [ "${FAPIAO_PADDLE_REBUILD:-0}" != "1" ] && ready; then
    echo "paddle-env: $VENV is ready"
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# Keep git from ever seeing the venv, whatever .gitignore says.
printf '*\n' > "$VENV/.gitignore"

CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
printf 'opencv-python-headless==%s\nopencv-contrib-python==%s\n' "$OPENCV_VERSION" "$OPENCV_VERSION" > "$CONSTRAINTS"

"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -c "$CONSTRAINTS" -e "$ROOT[paddle,test]"

if ! ready; then
    echo "paddle-env: $VENV was built but cannot import paddleocr and the project" >&2
    "$VENV/bin/python" -c 'import paddleocr, capture.ocr.paddle' >&2 || true
    exit 1
fi
echo "paddle-env: $VENV is ready"
