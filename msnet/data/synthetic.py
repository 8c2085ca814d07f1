"""The synthetic motion benchmark: procedurally rendered videos whose class is a motion, with exact ground truth.

Every video is a stack of layers (textured background, distractor objects, the target object, an optional static
occluder). Each layer is a textured RGBA sprite placed in every frame by an affine map ``frame = M_t @ sprite + t_t``,
so the renderer is one ``grid_sample`` per layer and the ground-truth displacement of any pixel between frames t and
t+1 is exact: ``A_{t+1} A_t^{-1} p - p`` for the layer visible at ``p``. What is stored per video is the per-frame
affine of every layer and the visible-layer id map (a few kB compressed); :func:`ground_truth_flow` expands them.

Difficulty knobs (:class:`SynthConfig`): camera panning (the background and every object move together, so only the
target's motion *relative* to the scene tells the class), distractors oscillating with motions of their own, a static
occluder, pixel noise, speed ranges. Everything is drawn from ``numpy.random.default_rng([seed, index])``, so a video
depends only on the seed and its index: shards generate independently and identically.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from msnet.core.errors import BadValue
from msnet.data.motion_classes import CLASSES, MotionClass


@dataclass(frozen=True)
class SynthConfig:
    """What a synthetic video looks like. The defaults are the calibrated benchmark (docs/synthetic.md); what the
    training protocol reaches on it: docs/training.md. HARD adds every difficulty knob."""

    height: int = 96
    width: int = 128
    frames: int = 24
    classes: int = len(CLASSES)
    speed: tuple[float, float] = (2.0, 4.0)  # target travel, pixels per frame
    turn: tuple[float, float] = (5.0, 10.0)  # rotation classes, degrees per frame
    zoom: tuple[float, float] = (0.02, 0.035)  # zoom classes, log-scale per frame
    object_size: tuple[float, float] = (0.35, 0.5)  # target side, fraction of min(height, width)
    pan: float = 0.0  # largest camera pan, pixels per frame (0: static camera)
    distractors: int = 0  # smaller objects oscillating with motions of their own
    occluder: float = 0.0  # probability of a static bar in front of everything
    noise: float = 2.0  # std of Gaussian pixel noise, 0-255 scale
    clutter: float = 0.3  # contrast of the background's texture (0: flat colour; pan is then invisible)

    def __post_init__(self):
        if self.height % 2 or self.width % 2 or self.height < 16 or self.width < 16:
            raise BadValue(f"size must be even and at least 16x16 (video encoders need even sizes), got "
                             f"{self.height}x{self.width}")
        if self.frames < 4:
            raise BadValue(f"frames must be at least 4, got {self.frames}")
        if not 1 <= self.classes <= len(CLASSES):
            raise BadValue(f"classes must be between 1 and {len(CLASSES)}, got {self.classes}")

    def to_dict(self) -> dict:
        return asdict(self)


# Camera pan, a distractor, an occluder, busy backgrounds: TSM-R18 stays at chance on it within the default budget.
HARD = {"pan": 1.5, "distractors": 1, "occluder": 0.25, "noise": 3.0, "clutter": 1.0, "object_size": (0.3, 0.45)}


@dataclass
class Layer:
    """A sprite (4, h, w) in [0, 1] with premultiplied-free alpha, and its per-frame affine maps (F, 2, 3)."""

    sprite: torch.Tensor
    affine: np.ndarray


@dataclass
class SyntheticVideo:
    frames: np.ndarray  # (F, H, W, 3) uint8 RGB
    affine: np.ndarray  # (F, K, 2, 3) float32: sprite -> frame map of every layer
    ids: np.ndarray  # (F, H, W) uint8: index of the visible layer
    label: int
    meta: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- textures


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cell: int) -> torch.Tensor:
    """RGB value noise with features about ``cell`` pixels wide, in [0, 1]: (3, height, width)."""
    coarse = torch.from_numpy(rng.random((1, 3, height // cell + 2, width // cell + 2), dtype=np.float32))
    return F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=False)[0].clamp(0, 1)


PATTERNS = ("stripes", "checkerboard")
SHAPES = ("disc", "square", "triangle", "diamond", "star")


def _pattern(rng: np.random.Generator, height: int, width: int, period: tuple[float, float],
             kind: int | None = None) -> torch.Tensor:
    """Stripes at a random angle or a checkerboard (``kind`` indexes :data:`PATTERNS`; drawn when None), in [0, 1]:
    (height, width)."""
    y, x = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32),
                          indexing="ij")
    angle, p = rng.uniform(0, math.pi), rng.uniform(*period)
    stripes = rng.random() < 0.5
    if kind is not None:
        stripes = kind == 0
    if stripes:
        return 0.5 + 0.5 * torch.sin((x * math.cos(angle) + y * math.sin(angle)) * (2 * math.pi / p))
    return ((torch.floor(x / p * 2) + torch.floor(y / p * 2)) % 2).float()


def _background(rng: np.random.Generator, height: int, width: int, clutter: float = 1.0) -> torch.Tensor:
    """A muted scene: smooth colour blobs with faint fine detail (enough for motion to be measurable), (3, h, w)."""
    blobs = _smooth_noise(rng, height, width, int(rng.integers(10, 24)))
    detail = _smooth_noise(rng, height, width, 3) - 0.5
    base = torch.from_numpy(rng.uniform(0.3, 0.7, size=(3, 1, 1)).astype(np.float32))
    return (base + clutter * (0.35 * (blobs - 0.5) + 0.12 * detail)).clamp(0, 1)


def _object_texture(rng: np.random.Generator, side: int, pattern: int | None = None) -> torch.Tensor:
    """A high-contrast textured object surface: two random colours mixed by a pattern, (3, side, side)."""
    a, b = (torch.from_numpy(rng.uniform(0, 1, size=(3, 1, 1)).astype(np.float32)) for _ in range(2))
    if float((a - b).abs().sum()) < 0.8:  # keep the two colours apart
        b = 1 - a
    mix = _pattern(rng, side, side, (4, 9), pattern)
    return (a * mix + b * (1 - mix) + 0.1 * (_smooth_noise(rng, side, side, 3) - 0.5)).clamp(0, 1)


def _shape_mask(rng: np.random.Generator, side: int, kind: int | None = None) -> torch.Tensor:
    """Soft mask (side, side) of a shape of :data:`SHAPES` (``kind``; drawn when None): disc, square, triangle,
    diamond or five-pointed blob."""
    c = (side - 1) / 2
    y, x = torch.meshgrid(torch.arange(side, dtype=torch.float32) - c, torch.arange(side, dtype=torch.float32) - c,
                          indexing="ij")
    r = side / 2 - 1
    drawn = rng.integers(len(SHAPES))
    kind = drawn if kind is None else kind
    if kind == 0:
        sdf = torch.sqrt(x**2 + y**2) - r
    elif kind == 1:
        sdf = torch.maximum(x.abs(), y.abs()) - 0.85 * r
    elif kind == 2:
        sdf = torch.maximum(torch.maximum(-y - 0.5 * r, 0.87 * x + 0.5 * y - 0.5 * r), -0.87 * x + 0.5 * y - 0.5 * r)
    elif kind == 3:
        sdf = x.abs() + y.abs() - r
    else:
        theta = torch.atan2(y, x)
        sdf = torch.sqrt(x**2 + y**2) - r * (0.75 + 0.25 * torch.cos(5 * theta))
    return (0.5 - sdf).clamp(0, 1)  # one-pixel antialiased edge


def _object_sprite(rng: np.random.Generator, side: int, shape: int | None = None,
                   pattern: int | None = None) -> torch.Tensor:
    """RGBA sprite: textured surface, a shape, a dark rim so the outline stays visible on any background. ``shape``
    and ``pattern`` index :data:`SHAPES` and :data:`PATTERNS`; None draws them (the same draws either way)."""
    mask = _shape_mask(rng, side, shape)
    rim = (mask - F.max_pool2d(-mask[None, None], 3, 1, 1)[0, 0].neg()).clamp(0, 1)  # mask minus its erosion
    surface = _object_texture(rng, side, pattern) * (1 - 0.7 * rim)
    return torch.cat([surface, mask[None]])


# ---------------------------------------------------------------------------------------------------- poses


def _affine(center: np.ndarray, angle: np.ndarray, log_scale: np.ndarray) -> np.ndarray:
    """Per-frame sprite->frame maps (F, 2, 3) for centres (F, 2), angles (F,) radians, log-scales (F,)."""
    s = np.exp(log_scale)
    cos, sin = s * np.cos(angle), s * np.sin(angle)
    return np.stack([np.stack([cos, -sin, center[:, 0]], -1), np.stack([sin, cos, center[:, 1]], -1)], 1)


def _target_pose(rng, cfg: SynthConfig, motion: MotionClass, u: np.ndarray) -> tuple[np.ndarray, dict]:
    """Centre path, angle and log-scale of the target; the path's midpoint is uniform in the central half."""
    steps = cfg.frames - 1
    direction = motion.direction if motion.direction is not None else rng.uniform(0, 2 * math.pi)
    speed = rng.uniform(*cfg.speed)
    travel, turn, zoom = motion.pose(u)
    unit = np.array([math.cos(direction), math.sin(direction)])
    mid = np.array([rng.uniform(0.3, 0.7) * cfg.width, rng.uniform(0.3, 0.7) * cfg.height])
    center = mid + (travel - 0.5)[:, None] * (speed * steps) * unit if motion.kind != "still" else np.tile(mid, (len(u), 1))
    total_turn = math.radians(rng.uniform(*cfg.turn)) * steps
    total_zoom = rng.uniform(*cfg.zoom) * steps
    angle = rng.uniform(0, 2 * math.pi) + turn * total_turn
    log_scale = zoom * total_zoom - 0.5 * motion.sign * total_zoom * (motion.kind == "zoom")
    meta = {"direction_deg": round(math.degrees(direction), 2), "speed_px": round(speed, 3)}
    return _affine(center, angle, log_scale), meta


def _distractor_pose(rng, cfg: SynthConfig, u: np.ndarray) -> np.ndarray:
    """Oscillation along a random line, two to three cycles per video: unlike every class's program."""
    steps = cfg.frames - 1
    axis = rng.uniform(0, 2 * math.pi)
    amplitude = rng.uniform(0.25, 0.5) * np.mean(cfg.speed) * steps / 2
    cycles, phase = rng.uniform(2, 3), rng.uniform(0, 2 * math.pi)
    base = np.array([rng.uniform(0.15, 0.85) * cfg.width, rng.uniform(0.15, 0.85) * cfg.height])
    offset = amplitude * np.sin(2 * math.pi * cycles * u + phase)
    center = base + offset[:, None] * np.array([math.cos(axis), math.sin(axis)])
    return _affine(center, np.full_like(u, rng.uniform(0, 2 * math.pi)), np.zeros_like(u))


# ---------------------------------------------------------------------------------------------------- rendering


def render(layers: list[Layer], height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Composite layers bottom to top: frames (F, 3, H, W) in [0, 1] and visible-layer ids (F, H, W) uint8."""
    n = layers[0].affine.shape[0]
    y, x = torch.meshgrid(torch.arange(height, dtype=torch.float64), torch.arange(width, dtype=torch.float64),
                          indexing="ij")
    pixels = torch.stack([x, y], -1).reshape(1, -1, 2)  # (1, HW, 2) frame pixel centres
    image = torch.zeros(n, 3, height, width)
    ids = torch.zeros(n, height, width, dtype=torch.uint8)
    for k, layer in enumerate(layers):
        a = torch.from_numpy(layer.affine).double()
        inverse = torch.linalg.inv(a[:, :, :2])  # (F, 2, 2)
        local = (pixels - a[:, None, :, 2]) @ inverse.transpose(1, 2)  # sprite coordinates, origin at sprite centre
        h, w = layer.sprite.shape[-2:]
        grid = (local * torch.tensor([2.0 / w, 2.0 / h], dtype=torch.float64)).float().view(n, height, width, 2)
        sampled = F.grid_sample(layer.sprite.expand(n, -1, -1, -1), grid, mode="bilinear", padding_mode="zeros",
                                align_corners=False)
        alpha = sampled[:, 3:]
        image = image * (1 - alpha) + sampled[:, :3] * alpha
        ids[alpha[:, 0] > 0.5] = k
    return image, ids


def ground_truth_flow(affine: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Forward displacement (F-1, H, W, 2) in pixels, (dx, dy), of the visible layer from frame t to t+1."""
    n, height, width = ids.shape
    y, x = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij")
    pixels = np.stack([x, y, np.ones_like(x)], -1)  # (H, W, 3) homogeneous
    flow = np.zeros((n - 1, height, width, 2), dtype=np.float32)
    for t in range(n - 1):
        for k in np.unique(ids[t]):
            now, after = _homogeneous(affine[t, k]), _homogeneous(affine[t + 1, k])
            step = (after @ np.linalg.inv(now))[:2]  # frame t -> frame t+1 for layer k
            mask = ids[t] == k
            flow[t][mask] = (pixels[mask] @ step.T - pixels[mask][:, :2]).astype(np.float32)
    return flow


def _homogeneous(a: np.ndarray) -> np.ndarray:
    return np.vstack([a, [0.0, 0.0, 1.0]])


def generate_video(cfg: SynthConfig, seed: int, index: int, label: int | None = None) -> SyntheticVideo:
    """Video ``index`` of the benchmark with ``seed``; its class is ``index % classes`` unless ``label`` is given."""
    rng = np.random.default_rng([seed, index])
    label = index % cfg.classes if label is None else label
    motion = CLASSES[label]
    n, steps = cfg.frames, cfg.frames - 1
    u = np.arange(n) / steps
    pan_speed, pan_angle = rng.uniform(0, cfg.pan), rng.uniform(0, 2 * math.pi)
    pan = (np.arange(n) - steps / 2)[:, None] * pan_speed * np.array([math.cos(pan_angle), math.sin(pan_angle)])
    zeros = np.zeros(n)

    margin = int(math.ceil(cfg.pan * steps / 2)) + 4
    frame_center = np.array([(cfg.width - 1) / 2, (cfg.height - 1) / 2])
    background = torch.cat([_background(rng, cfg.height + 2 * margin, cfg.width + 2 * margin, cfg.clutter),
                            torch.ones(1, cfg.height + 2 * margin, cfg.width + 2 * margin)])
    layers = [Layer(background, _affine(frame_center + pan, zeros, zeros))]

    short = min(cfg.height, cfg.width)
    side = max(6, int(round(rng.uniform(*cfg.object_size) * short)))
    for _ in range(cfg.distractors):
        sprite = _object_sprite(rng, max(4, int(side * rng.uniform(0.4, 0.6))))
        pose = _distractor_pose(rng, cfg, u)
        pose[:, :, 2] += pan
        layers.append(Layer(sprite, pose))
    target_pose, meta = _target_pose(rng, cfg, motion, u)
    target_pose[:, :, 2] += pan
    layers.append(Layer(_object_sprite(rng, side), target_pose))
    occluded = rng.random() < cfg.occluder
    if occluded:  # a bar fixed to the camera, across a third of the frame at most
        vertical = rng.random() < 0.5
        thick = max(4, int(0.12 * (cfg.width if vertical else cfg.height)))
        long = (cfg.height if vertical else cfg.width) + 2
        bar = torch.cat([_background(rng, long if vertical else thick, thick if vertical else long) * 0.6,
                         torch.ones(1, long if vertical else thick, thick if vertical else long)])
        where = np.array([rng.uniform(0.2, 0.8) * cfg.width, frame_center[1]] if vertical else
                         [frame_center[0], rng.uniform(0.2, 0.8) * cfg.height])
        layers.append(Layer(bar, _affine(np.tile(where, (n, 1)), zeros, zeros)))

    image, ids = render(layers, cfg.height, cfg.width)
    pixels = image.permute(0, 2, 3, 1).numpy() * 255
    if cfg.noise > 0:
        pixels = pixels + cfg.noise * rng.standard_normal(size=pixels.shape, dtype=np.float32)
    frames = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    meta.update(
        {"class": motion.name, "label": label, "pan_px": round(pan_speed, 3), "pan_deg": round(math.degrees(pan_angle), 2),
         "object_px": side, "distractors": cfg.distractors, "occluded": bool(occluded), "layers": len(layers)}
    )
    affine = np.stack([layer.affine for layer in layers], 1).astype(np.float32)
    return SyntheticVideo(frames=frames, affine=affine, ids=ids.numpy(), label=label, meta=meta)
