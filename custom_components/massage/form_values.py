"""Form values the flows check themselves, so that each bad value gets its own error."""

from __future__ import annotations

import re
from typing import Any, Final

from homeassistant.helpers.selector import (
    EntitySelector,
    NumberSelector,
    SelectSelector,
    TextSelector,
)

_DIGITS: Final = re.compile(r"[0-9]{1,6}")


class Unchecked:
    """A form field the step checks itself, so that a bad value gets its error.

    A selector fails a value it does not take before the step sees it, with an
    untranslated message; NumberSelector even lets NaN through.
    """

    def __call__(self, data: Any) -> Any:
        """Hand the value on unchanged."""
        return data


class UncheckedNumberSelector(Unchecked, NumberSelector):
    """A number field the step checks."""


class UncheckedEntitySelector(Unchecked, EntitySelector):
    """An entity field whose domain and existence the step checks."""


class UncheckedSelectSelector(Unchecked, SelectSelector):
    """A list of names or minutes that the step checks."""


class UncheckedTextSelector(Unchecked, TextSelector):
    """A text the step checks."""


def whole(value: object, minimum: int, maximum: int) -> int | None:
    """Return a whole number in range from a form value, or None.

    Takes integers, floats without a fraction (what a number field sends) and
    digits as text; never booleans, NaN or infinities.
    """
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if minimum <= value <= maximum else None
