"""The focal point: parsing the ``focus`` form field and the CSS position Mastodon's UI derives.

Coordinates run from -1 to 1, left to right and bottom to top; (0, 0) is the centre.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import FocusError

__all__ = ["Focus", "FocusLike", "coerce_focus", "parse_focus"]

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# The prefix Ruby's String#to_f reads: digits may be joined by single underscores, the dot
# needs a digit after it, and an exponent without digits is ignored.
_RUBY_FLOAT = re.compile(
    r"[ \t\n\v\f\r]*([+-]?(?:\d+(?:_\d+)*)?(?:\.\d+(?:_\d+)*)?)([eE][+-]?\d+(?:_\d+)*)?"
)
_RUBY_HEX = re.compile(r"[ \t\n\v\f\r]*[+-]?0[xX]")


@dataclass(frozen=True, slots=True)
class Focus:
    """A focal point.

    Attributes:
        x: horizontal coordinate, -1 (left) to 1 (right); ``None`` only from lenient parsing.
        y: vertical coordinate, -1 (bottom) to 1 (top); ``None`` only from lenient parsing.
    """

    x: float | None
    y: float | None

    def __post_init__(self) -> None:
        for name in ("x", "y"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FocusError(f"focus {name} must be a number or None, got {value!r}")
            try:
                object.__setattr__(self, name, float(value))
            except OverflowError:
                raise FocusError(f"focus {name} is too large to be a float") from None

    def as_meta(self) -> dict[str, float | None]:
        """The ``meta.focus`` object; non-finite values become ``None`` as in Rails' JSON."""
        return {"x": _json_number(self.x), "y": _json_number(self.y)}

    def fractions(self) -> tuple[float, float]:
        """The point as fractions of width and height from the top-left corner, each in [0, 1].

        A missing coordinate counts as 0 (the centre), as it does in Mastodon's web UI, and
        values outside [-1, 1] are clamped.

        Raises:
            FocusError: a coordinate is NaN.
        """
        return _fraction(self.x, "x", 1.0), _fraction(self.y, "y", -1.0)

    def percent(self) -> tuple[float, float]:
        """The CSS ``object-position`` percentages Mastodon's web UI computes, unclamped.

        x% = (x/2 + 0.5) * 100 and y% = (-y/2 + 0.5) * 100; a missing coordinate counts as 0.
        """
        x = self.x or 0.0
        y = self.y or 0.0
        return (x / 2 + 0.5) * 100, (-y / 2 + 0.5) * 100

    def object_position(self) -> str:
        """The CSS ``object-position`` value, such as ``"15.5% 29%"``, as JavaScript prints it."""
        px, py = self.percent()
        return f"{_js_number(px)}% {_js_number(py)}%"


def _fraction(value: float | None, name: str, sign: float) -> float:
    v = 0.0 if value is None else value
    if math.isnan(v):
        raise FocusError(f"focus {name} is NaN; expected a number in [-1, 1]")
    return (min(1.0, max(-1.0, sign * v)) + 1) / 2


def _json_number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _js_number(value: float) -> str:
    """Format like JavaScript's Number#toString for the values object-position produces."""
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent):+d}"
    return text


def parse_focus(text: str | None, *, strict: bool = True) -> Focus | None:
    """Parse a ``focus`` form field such as ``"-0.69,0.42"``.

    Args:
        text: the field as received; ``None`` means no focus was sent.
        strict: ``True`` accepts exactly two comma-separated finite decimal numbers in [-1, 1],
            surrounding whitespace allowed. ``False`` reads the field as Mastodon does: a blank
            field is no focus, parts are split on commas (trailing empty parts dropped) and read
            with Ruby's ``String#to_f`` (garbage reads as 0.0), and a missing part is ``None``.

    Returns:
        The focus, or ``None`` when ``text`` is ``None`` (or blank, when not strict).

    Raises:
        FocusError: in strict mode, the text is not two numbers in [-1, 1]; the message names
            the offending part.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise FocusError(f'focus must be a string "x,y", got {type(text).__name__}')
    return _parse_strict(text) if strict else _parse_lenient(text)


FocusLike = str | Focus | tuple[float, float] | None


def coerce_focus(focus: FocusLike, *, strict: bool) -> Focus | None:
    """A :class:`Focus` from a form field, a ``Focus``, or an (x, y) pair.

    Args:
        focus: the value as the caller has it; ``None`` is no focus.
        strict: also require both coordinates to be finite and in [-1, 1] (strings are parsed
            with :func:`parse_focus`'s strict grammar, otherwise leniently).

    Raises:
        FocusError: the value is of another kind, or (strict) out of range.
    """
    if focus is None or isinstance(focus, str):
        return parse_focus(focus, strict=strict)
    if not isinstance(focus, Focus):
        if not isinstance(focus, tuple | list) or len(focus) != 2:
            raise FocusError(
                f'focus must be a string "x,y", a Focus or an (x, y) pair, got {focus!r}'
            )
        focus = Focus(*focus)
    if strict:
        for name in ("x", "y"):
            value = getattr(focus, name)
            if value is None or not -1.0 <= value <= 1.0:
                raise FocusError(f"focus {name} {value!r} is outside [-1, 1]")
    return focus


def _parse_strict(text: str) -> Focus:
    parts = text.split(",")
    if len(parts) != 2:
        raise FocusError(
            f'focus must be two numbers "x,y" separated by one comma, got {len(parts)} '
            f"part{'s' if len(parts) != 1 else ''}: {_excerpt(text)}"
        )
    x, y = (_strict_number(part, name) for part, name in zip(parts, "xy", strict=True))
    return Focus(x, y)


def _strict_number(part: str, name: str) -> float:
    token = part.strip()
    if not _DECIMAL.fullmatch(token):
        raise FocusError(f"focus {name} {_excerpt(token)} is not a decimal number")
    value = float(token)
    if not -1.0 <= value <= 1.0:
        raise FocusError(f"focus {name} {_excerpt(token)} is outside [-1, 1]")
    return value


def _excerpt(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _parse_lenient(text: str) -> Focus | None:
    if text.strip() == "":
        return None
    parts = text.split(",")
    while parts and parts[-1] == "":
        parts.pop()  # Ruby's String#split drops trailing empty fields
    values: list[float | None] = [ruby_to_f(part) for part in parts[:2]]
    values += [None] * (2 - len(values))
    return Focus(values[0], values[1])


def ruby_to_f(text: str) -> float:
    """Ruby's ``String#to_f``: the longest leading decimal number, or 0.0 when there is none."""
    if _RUBY_HEX.match(text):
        return 0.0
    match = _RUBY_FLOAT.match(text)
    if match is None:
        return 0.0
    mantissa, exponent = match.group(1), match.group(2) or ""
    if not any(c.isdigit() for c in mantissa):
        return 0.0
    return float((mantissa + exponent).replace("_", ""))
