"""Focus parsing: the strict grammar, Mastodon's lenient reading, and the CSS position."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attachmeta import Focus, FocusError, parse_focus
from attachmeta.focus import ruby_to_f

in_range = st.floats(min_value=-1, max_value=1, allow_nan=False)


@given(in_range, in_range, st.sampled_from(["", " ", "\t"]))
def test_strict_round_trips_formatted_numbers(x: float, y: float, pad: str) -> None:
    text = f"{pad}{x:.6f}{pad},{pad}{y:.6f}{pad}"
    focus = parse_focus(text)
    assert focus == Focus(float(f"{x:.6f}"), float(f"{y:.6f}"))


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("0.5", "1 part"),
        ("0.1,0.2,0.3", "3 parts"),
        ("abc,0", "x 'abc'"),
        ("0,abc", "y 'abc'"),
        ("1.5,0", "x '1.5' is outside"),
        ("0,-1.0001", "y '-1.0001' is outside"),
        ("nan,0", "x 'nan'"),
        ("inf,0", "x 'inf'"),
        ("1e-1,0", "x '1e-1'"),
        (",0", "x ''"),
        ("0x1,0", "x '0x1'"),
        ("", "1 part"),
    ],
)
def test_strict_errors_name_the_offending_part(text: str, part: str) -> None:
    with pytest.raises(FocusError, match=part.replace(".", r"\.")):
        parse_focus(text)


def test_focus_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_focus("2,2")


@given(st.text(max_size=30))
def test_strict_accepts_only_two_numbers_in_range(text: str) -> None:
    try:
        focus = parse_focus(text)
    except FocusError:
        return
    assert focus is not None and focus.x is not None and focus.y is not None
    assert -1 <= focus.x <= 1 and -1 <= focus.y <= 1
    assert text.count(",") == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-0.69,0.42", Focus(-0.69, 0.42)),
        ("   ", None),
        ("", None),
        ("0.5", Focus(0.5, None)),
        ("0.5,", Focus(0.5, None)),
        (",0.5", Focus(0.0, 0.5)),
        (",", Focus(None, None)),
        ("abc,1_000.5x", Focus(0.0, 1000.5)),
        ("2,-3", Focus(2.0, -3.0)),
        ("1e400,0", Focus(math.inf, 0.0)),
        ("0.1,0.2,0.3", Focus(0.1, 0.2)),
        (" .5e1 , 5. ", Focus(5.0, 5.0)),
    ],
)
def test_lenient_reads_like_mastodon(text: str, expected: Focus | None) -> None:
    assert parse_focus(text, strict=False) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.5abc", 12.5),
        ("  -3", -3.0),
        ("+.25", 0.25),
        ("1_0", 10.0),
        ("1__0", 1.0),
        ("_1", 0.0),
        ("1e", 1.0),
        ("1e+2", 100.0),
        ("0x1A", 0.0),
        ("Infinity", 0.0),
        ("NaN", 0.0),
        ("-", 0.0),
        ("1.", 1.0),
    ],
)
def test_ruby_to_f(text: str, value: float) -> None:
    assert ruby_to_f(text) == value


@given(st.text(max_size=40))
def test_lenient_never_raises(text: str) -> None:
    focus = parse_focus(text, strict=False)
    if text.strip() == "":
        assert focus is None
    else:
        assert focus is not None


@given(in_range, in_range)
def test_object_position_matches_mastodon_formula(x: float, y: float) -> None:
    px, py = Focus(x, y).percent()
    assert px == (x / 2 + 0.5) * 100
    assert py == (-y / 2 + 0.5) * 100
    fx, fy = Focus(x, y).fractions()
    assert math.isclose(fx * 100, px, abs_tol=1e-9) and math.isclose(fy * 100, py, abs_tol=1e-9)


def test_object_position_text() -> None:
    assert Focus(0.0, 0.0).object_position() == "50% 50%"
    assert Focus(-1.0, 1.0).object_position() == "0% 0%"
    assert Focus(0.5, -0.5).object_position() == "75% 75%"
    assert Focus(None, None).object_position() == "50% 50%"


def test_meta_turns_infinity_into_null() -> None:
    assert Focus(math.inf, None).as_meta() == {"x": None, "y": None}
    assert Focus(-0.69, 0.42).as_meta() == {"x": -0.69, "y": 0.42}


def test_fractions_reject_nan_and_clamp() -> None:
    with pytest.raises(FocusError):
        Focus(math.nan, 0.0).fractions()
    assert Focus(5.0, -5.0).fractions() == (1.0, 1.0)


def test_non_string_is_a_focus_error() -> None:
    with pytest.raises(FocusError, match="string"):
        parse_focus(0.5)  # type: ignore[arg-type]
    assert parse_focus(None) is None


def test_non_finite_positions_print_like_javascript() -> None:
    assert Focus(math.nan, 0.0).object_position() == "NaN% 50%"
    assert Focus(-math.inf, math.inf).object_position() == "-Infinity% -Infinity%"


@pytest.mark.parametrize(("x", "y"), [("a", 0.0), (0.0, [1]), (True, 0.0), (10**400, 0.0)])
def test_focus_rejects_non_numbers(x: object, y: object) -> None:
    with pytest.raises(FocusError):
        Focus(x, y)  # type: ignore[arg-type]


def test_focus_accepts_ints_as_floats() -> None:
    assert Focus(1, -1) == Focus(1.0, -1.0) and isinstance(Focus(1, 0).x, float)
