"""Capture conditions: what a scanner, a phone camera or a photocopier does to a face.

Each function takes the clean face (RGB uint8) rendered at the resolution the
condition needs and returns the captured image.  All randomness comes from the
``numpy.random.Generator`` passed in, so the same seed gives the same bytes.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

SCAN_DPI = (200, 240, 300)
COPY_DPI = 150
PHOTO_SIZES = ((4000, 3000), (1600, 1200))


def _gauss_noise(img: np.ndarray, rng: np.random.Generator, sigma: float, grain: int = 1) -> np.ndarray:
    """Add luminance noise; ``grain`` > 1 makes it coarser (and cheaper), like a
    phone's denoised, JPEG-smoothed sensor noise."""
    h, w = img.shape[:2]
    small = rng.normal(128.0, sigma, (-(-h // grain), -(-w // grain))).astype(np.float32)
    if grain > 1:
        small = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    noise = np.clip(small[:h, :w], 0, 255).astype(np.uint8)
    if img.ndim == 3:
        noise = cv2.merge([noise] * img.shape[2])
    return cv2.addWeighted(img, 1.0, noise, 1.0, -128.0)


def scan(face: np.ndarray, rng: np.random.Generator, px_per_mm: float) -> np.ndarray:
    """Flatbed scan: a few mm of white bed around the sheet, skew within ±1.5°, light noise."""
    h, w = face.shape[:2]
    margin = round(px_per_mm * rng.uniform(3, 12))
    bed = np.array((252, 252, 250), dtype=np.uint8)
    canvas = np.empty((h + 2 * margin, w + 2 * margin, 3), dtype=np.uint8)
    canvas[:] = bed
    canvas[margin:margin + h, margin:margin + w] = face
    angle = float(rng.uniform(-1.5, 1.5))
    ch, cw = canvas.shape[:2]
    m = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, 1.0)
    canvas = cv2.warpAffine(canvas, m, (cw, ch), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=tuple(int(v) for v in bed))
    canvas = cv2.GaussianBlur(canvas, (0, 0), float(rng.uniform(0.35, 0.7)))
    canvas = _gauss_noise(canvas, rng, float(rng.uniform(1.5, 3.5)))
    return _levels(canvas, black=float(rng.uniform(5, 20)), white=float(rng.uniform(226, 236)))


def _levels(img: np.ndarray, *, black: float, white: float) -> np.ndarray:
    """The scanner's auto-levels: paper tint and noise above the white point become pure white."""
    lut = np.clip((np.arange(256, dtype=np.float32) - black) * 255.0 / (white - black), 0, 255)
    return lut.astype(np.uint8)[img]


def copy(face: np.ndarray, rng: np.random.Generator, px_per_mm: float) -> np.ndarray:
    """Photocopy then 150 dpi scan: grey, washed out, thin strokes broken, toner specks."""
    gray = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY).astype(np.float32)
    h, w = gray.shape
    margin = round(px_per_mm * rng.uniform(4, 15))
    page = np.full((h + 2 * margin, w + 2 * margin), 245.0, dtype=np.float32)
    page[margin:margin + h, margin:margin + w] = gray
    # copier threshold-ish tone curve: light ink fades, dark ink stays
    lo, hi = rng.uniform(35, 75), rng.uniform(200, 235)
    page = np.clip((page - 60.0) / 170.0, 0, 1) ** float(rng.uniform(0.7, 1.1))
    page = lo + (hi - lo) * page
    # broken thin strokes: open up dark strokes where a noise mask says so
    thin = cv2.dilate(page, np.ones((2, 2), np.uint8))
    field = cv2.resize(rng.random((max(2, page.shape[0] // 6), max(2, page.shape[1] // 6))).astype(np.float32),
                       (page.shape[1], page.shape[0]), interpolation=cv2.INTER_LINEAR)
    broken = field < rng.uniform(0.12, 0.3)
    page = np.where(broken, 0.5 * (thin + page), page)
    # toner speckle and a faint streak along the feed direction
    specks = rng.random(page.shape) < rng.uniform(0.0002, 0.0007)
    page[specks] = lo + 20
    if rng.random() < 0.5:
        x = int(rng.integers(0, page.shape[1]))
        page[:, x:x + 2] *= 0.85
    angle = float(rng.uniform(-1.0, 1.0))
    m = cv2.getRotationMatrix2D((page.shape[1] / 2, page.shape[0] / 2), angle, 1.0)
    page = cv2.warpAffine(page, m, (page.shape[1], page.shape[0]), borderValue=hi)
    page = cv2.GaussianBlur(page, (0, 0), 0.5)
    page += rng.normal(0, 3.0, page.shape).astype(np.float32)
    page = np.clip(page, 0, 255).astype(np.uint8)
    return _levels(page, black=0.0, white=float(hi) - float(rng.uniform(0, 4)))


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A desk, table or cloth: colour plus low-frequency texture (wood grain sometimes)."""
    palettes = ((120, 85, 55), (160, 120, 80), (95, 95, 100), (200, 200, 195), (50, 55, 60),
                (70, 110, 80), (185, 170, 150), (140, 140, 150))
    base = np.array(palettes[int(rng.integers(0, len(palettes)))], dtype=np.float32)
    sw, sh = max(8, w // 2), max(6, h // 2)
    tex = cv2.GaussianBlur(rng.random((sh, sw)).astype(np.float32), (0, 0), 1.5)
    if rng.random() < 0.4:  # wood grain: stretched stripes
        yy = np.linspace(0, 1, sh, dtype=np.float32)[:, None]
        grain = np.sin(yy * rng.uniform(40, 90) + tex * 6.0) * 0.5 + 0.5
        tex = 0.5 * tex + 0.5 * grain
    tex = cv2.resize(tex, (w, h), interpolation=cv2.INTER_CUBIC)
    img = base[None, None, :] * (0.8 + 0.4 * tex[..., None])
    return img


def photo_scale(frame: tuple[int, int], size: tuple[float, float], angle_deg: float, cover: float) -> float:
    """Frame pixels per unit of ``size`` (mm or px) so the rotated sheet covers ``cover`` of the frame."""
    fw, fh = frame
    w, h = size
    angle = math.radians(angle_deg)
    bw = abs(w * math.cos(angle)) + abs(h * math.sin(angle))
    bh = abs(w * math.sin(angle)) + abs(h * math.cos(angle))
    return cover * min(fw / bw, fh / bh)


def photo(face: np.ndarray, rng: np.random.Generator, frame: tuple[int, int], *,
          angle_deg: float, cover: float) -> np.ndarray:
    """Phone photo: sheet on a textured background, perspective, in-plane rotation,
    uneven light with a soft shadow, defocus or motion blur, sensor noise.

    Smooth fields (background, light, shadow) are computed at 1/8 scale and
    resized; full-resolution work stays in uint8 OpenCV calls for speed.
    """
    fw, fh = frame
    h, w = face.shape[:2]
    angle = math.radians(angle_deg)
    scale = photo_scale(frame, (w, h), angle_deg, cover)
    bw = abs(w * math.cos(angle)) + abs(h * math.sin(angle))
    bh = abs(w * math.sin(angle)) + abs(h * math.cos(angle))
    cx = fw / 2 + rng.uniform(-0.5, 0.5) * (fw - bw * scale) * 0.8
    cy = fh / 2 + rng.uniform(-0.5, 0.5) * (fh - bh * scale) * 0.8
    corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]], dtype=np.float32)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]], dtype=np.float32)
    dst = corners @ rot.T * scale
    # keystone: the camera is not square to the sheet
    tilt = rng.uniform(-0.07, 0.07, size=2)
    dst[:, 0] *= 1 + tilt[0] * np.sign(corners[:, 1])
    dst[:, 1] *= 1 + tilt[1] * np.sign(corners[:, 0])
    dst += rng.uniform(-0.012, 0.012, size=(4, 2)).astype(np.float32) * (w * scale)
    dst += np.array([cx, cy], dtype=np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    sheet = cv2.warpPerspective(face, m, (fw, fh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    sw, sh = fw // 8, fh // 8
    small_m = np.diag([1 / 8, 1 / 8, 1]).astype(np.float64) @ m
    small_mask = cv2.warpPerspective(np.ones((h, w), np.float32), small_m, (sw, sh), flags=cv2.INTER_AREA)
    bg = _background(rng, sw, sh)
    # drop shadow of the sheet on the desk
    shadow = cv2.GaussianBlur(np.roll(small_mask, (max(1, sh // 150), max(1, sw // 150)), axis=(0, 1)),
                              (0, 0), max(1.0, sw / 250))
    bg *= (1.0 - 0.35 * shadow)[..., None]
    img = cv2.resize(np.clip(bg, 0, 255).astype(np.uint8), (fw, fh), interpolation=cv2.INTER_CUBIC)
    inside = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (fw, fh), flags=cv2.INTER_NEAREST) > 0
    np.copyto(img, sheet, where=inside[..., None])
    light = _lighting(rng, sw, sh)
    light8 = cv2.resize(np.clip(light * 128.0, 0, 255).astype(np.uint8), (fw, fh), interpolation=cv2.INTER_LINEAR)
    img = cv2.multiply(img, light8, scale=1 / 128.0)
    img = _blur(img, rng, fw)
    return _gauss_noise(img, rng, float(rng.uniform(2.0, 5.0)), grain=2 if fw > 2000 else 1)


def _lighting(rng: np.random.Generator, sw: int, sh: int) -> np.ndarray:
    """Light falling on the scene at low resolution: gradient, vignette, a soft
    shadow (hand, phone) and a colour cast; 1.0 = unchanged."""
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    gx, gy = rng.uniform(-1, 1, size=2)
    light = 1.0 + 0.18 * (gx * (xx / sw - 0.5) + gy * (yy / sh - 0.5)) * 2
    light *= 1.0 - 0.18 * (((xx / sw - 0.5) ** 2 + (yy / sh - 0.5) ** 2) * 2)
    if rng.random() < 0.6:
        px, py = rng.uniform(0, sw), rng.uniform(0, sh)
        nx, ny = rng.normal(size=2)
        side = ((xx - px) * nx + (yy - py) * ny) > 0
        shade = cv2.GaussianBlur(side.astype(np.float32), (0, 0), rng.uniform(2, 6) * sw / 64)
        light *= 1.0 - rng.uniform(0.15, 0.4) * shade
    if rng.random() < 0.2:  # glare from a ceiling lamp
        gx, gy = rng.uniform(0.2, 0.8) * sw, rng.uniform(0.2, 0.8) * sh
        r2 = ((xx - gx) ** 2 + (yy - gy) ** 2) / (rng.uniform(0.04, 0.12) * sw) ** 2
        light += rng.uniform(0.15, 0.35) * np.exp(-r2)
    warm = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.98)], dtype=np.float32)
    return light[..., None] * warm * rng.uniform(0.9, 1.08)


def _blur(img: np.ndarray, rng: np.random.Generator, fw: int) -> np.ndarray:
    s = fw / 4000.0
    if rng.random() < 0.35:
        length = max(3, int(rng.uniform(3, 9) * s) | 1)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        kernel /= max(kernel.sum(), 1e-6)
        return cv2.filter2D(img, -1, kernel)
    return cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.6, 1.6)) * max(s, 0.5))


def lowlight(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The held-out capture condition: a phone photo in dim indoor light.

    Under-exposed (the phone lifts it back with gain, so noise grows with it),
    a warm tungsten cast, the sensor's colour noise, and the phone's noise
    reduction smearing thin strokes; the JPEG is then saved at lower quality.
    """
    h, w = img.shape[:2]
    exposure = float(rng.uniform(0.30, 0.48))
    gain = float(rng.uniform(1.5, 2.0))  # the phone's auto-gain: brighter, but noisier, than the scene
    cast = np.array([1.0, rng.uniform(0.78, 0.88), rng.uniform(0.50, 0.65)], dtype=np.float32)
    lut = [np.clip(np.arange(256, dtype=np.float32) * exposure * c, 0, 255).astype(np.uint8) for c in cast]
    dark = cv2.merge([cv2.LUT(ch, lut[i]) for i, ch in enumerate(cv2.split(img))])
    noise = rng.normal(0.0, float(rng.uniform(4.0, 7.0)), (-(-h // 2), -(-w // 2), 3)).astype(np.float32)
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)
    lifted = (dark.astype(np.float32) + noise) * gain
    out = np.clip(lifted, 0, 255).astype(np.uint8)
    # noise reduction: a smoothing that keeps edges but eats fine strokes
    return cv2.bilateralFilter(out, d=5, sigmaColor=float(rng.uniform(20, 35)), sigmaSpace=3)


def crease(face: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A fold line across the sheet (invoices are mailed folded): a thin dark
    valley beside a lighter ridge, with the sheet's tone shifting across it."""
    h, w = face.shape[:2]
    vertical = rng.random() < 0.6
    length, across = (h, w) if vertical else (w, h)
    pos = int(rng.uniform(0.25, 0.75) * across)
    coord = np.arange(across, dtype=np.float32) - pos
    width = max(2.0, across / 900)
    profile = 1.0 - 0.12 * np.exp(-(coord / width) ** 2) + 0.05 * np.exp(-((coord - 2.5 * width) / width) ** 2)
    profile *= np.where(coord > 0, rng.uniform(0.95, 1.0), 1.0)
    shade = np.clip(profile * 255.0, 0, 255).astype(np.uint8)
    shade = np.repeat(shade[None, :], length, axis=0) if vertical else np.repeat(shade[:, None], length, axis=1)
    if face.ndim == 3:
        shade = cv2.merge([shade] * face.shape[2])
    return cv2.multiply(face, shade, scale=1 / 255.0)


def turn(img: np.ndarray, quarter_turns_ccw: int) -> np.ndarray:
    """Rotate the captured image counter-clockwise by 90° × k (what the golden's
    ``rotation`` undoes by turning clockwise)."""
    return np.ascontiguousarray(np.rot90(img, quarter_turns_ccw % 4))
