"""Draw the Massage brand images (icons and logos, light and dark) with Pillow."""

from __future__ import annotations

from dataclasses import dataclass
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO_DIR = Path(__file__).parent.parent
BRAND_DIR = REPO_DIR / "custom_components" / "massage" / "brand"

# Shapes are laid out on a grid of units and drawn this many pixels per unit, then
# scaled down, which smooths their edges.
UNIT = 24
ICON_SIZE = 256
LOGO_HEIGHT = 256
WORDMARK = "Massage"
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/Library/Fonts/DejaVuSans-Bold.ttf",
    "C:/Windows/Fonts/DejaVuSans-Bold.ttf",
)

type RGBA = tuple[int, int, int, int]
type Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one variant of the brand."""

    body: RGBA
    handle: RGBA
    head: RGBA
    neck: RGBA
    motion: RGBA
    lights: RGBA
    text: RGBA


LIGHT = Palette(
    body=(20, 184, 166, 255),
    handle=(15, 118, 110, 255),
    head=(255, 122, 89, 255),
    neck=(148, 163, 184, 255),
    motion=(255, 122, 89, 255),
    lights=(255, 255, 255, 255),
    text=(19, 78, 74, 255),
)
DARK = Palette(
    body=(45, 212, 191, 255),
    handle=(20, 184, 166, 255),
    head=(255, 145, 115, 255),
    neck=(203, 213, 225, 255),
    motion=(255, 145, 115, 255),
    lights=(240, 253, 250, 255),
    text=(240, 253, 250, 255),
)


def _px(value: float) -> int:
    return round(value * UNIT)


def _box(left: float, top: float, right: float, bottom: float) -> list[int]:
    return [_px(left), _px(top), _px(right), _px(bottom)]


def _disc(draw: ImageDraw.ImageDraw, centre: Point, radius: float, fill: RGBA) -> None:
    x, y = centre
    draw.ellipse(_box(x - radius, y - radius, x + radius, y + radius), fill=fill)


def _arc(
    draw: ImageDraw.ImageDraw,
    centre: Point,
    radius: float,
    *,
    span: tuple[float, float],
    width: float,
    fill: RGBA,
) -> None:
    """Draw an arc with round ends; angles run clockwise from three o'clock."""
    x, y = centre
    box = _box(x - radius, y - radius, x + radius, y + radius)
    draw.arc(box, span[0], span[1], fill=fill, width=_px(width))
    middle = radius - width / 2
    for angle in span:
        end = (
            x + middle * math.cos(math.radians(angle)),
            y + middle * math.sin(math.radians(angle)),
        )
        _disc(draw, end, width / 2, fill)


def _gun(palette: Palette) -> Image.Image:
    """Draw the mark: a percussion massage gun, its head beating to the left."""
    image = Image.new("RGBA", (_px(110), _px(100)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    head = (28.0, 38.0)

    # Motion arcs around the head.
    for radius in (19.0, 27.5):
        _arc(draw, head, radius, span=(142.0, 218.0), width=4.0, fill=palette.motion)

    # The handle, tilted back, under the body.
    top, bottom = (71.0, 46.0), (79.0, 86.0)
    draw.line(
        [_px(top[0]), _px(top[1]), _px(bottom[0]), _px(bottom[1])],
        fill=palette.handle,
        width=_px(17),
    )
    _disc(draw, bottom, 8.5, palette.handle)

    # The shaft, the body and the speed gauge on it.
    draw.rounded_rectangle(_box(34, 33, 50, 43), _px(2), fill=palette.neck)
    draw.rounded_rectangle(_box(46, 22, 102, 54), _px(16), fill=palette.body)
    for index, x in enumerate((70.0, 78.0, 86.0)):
        half = 3.0 + 2.5 * index
        draw.rounded_rectangle(
            _box(x - 1.8, 38.0 - half, x + 1.8, 38.0 + half),
            _px(1.8),
            fill=palette.lights,
        )

    # The ball attachment.
    _disc(draw, head, 11.0, palette.head)
    return image


def _trim(image: Image.Image) -> Image.Image:
    box = image.getbbox()
    if box is None:
        raise ValueError("nothing was drawn")
    return image.crop(box)


def _square(image: Image.Image) -> Image.Image:
    side = max(image.size)
    square = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return square


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    for candidate in FONT_FILES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return None


def _logo(palette: Palette) -> Image.Image:
    """Set the mark beside the wordmark, or beside motion strokes without a font."""
    mark = _trim(_gun(palette))
    gap = mark.height // 5
    font = _font(round(mark.height * 0.46))
    if font is None:
        # No font: stretch the composition with a trail of fading strokes instead.
        trail = Image.new("RGBA", (mark.height * 2, mark.height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(trail)
        bar = mark.height // 9
        for index, length in enumerate((1.0, 0.75, 0.5)):
            y = mark.height // 2 + (index - 1) * bar * 2
            end = round(trail.width * length)
            draw.rounded_rectangle(
                [0, y - bar // 2, end, y + bar // 2], bar // 2, fill=palette.motion
            )
        words = trail
    else:
        left, top, right, bottom = (round(edge) for edge in font.getbbox(WORDMARK))
        words = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(words).text(
            (-left, -top), WORDMARK, font=font, fill=palette.text
        )
    logo = Image.new(
        "RGBA", (mark.width + gap + words.width, mark.height), (0, 0, 0, 0)
    )
    logo.paste(mark, (0, 0))
    logo.alpha_composite(words, (mark.width + gap, (mark.height - words.height) // 2))
    return _trim(logo)


def _scaled(image: Image.Image, height: int) -> Image.Image:
    width = round(image.width * height / image.height)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _save(image: Image.Image, name: str) -> None:
    path = BRAND_DIR / name
    image.save(path, optimize=True)
    print(f"{path.relative_to(REPO_DIR)}: {image.width}x{image.height}")


def main() -> None:
    """Write every brand image."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        icon = _square(_trim(_gun(palette)))
        logo = _logo(palette)
        for suffix, factor in (("", 1), ("@2x", 2)):
            _save(_scaled(icon, ICON_SIZE * factor), f"{prefix}icon{suffix}.png")
            _save(_scaled(logo, LOGO_HEIGHT * factor), f"{prefix}logo{suffix}.png")


if __name__ == "__main__":
    main()
