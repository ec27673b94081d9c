"""What differs between the Home Assistant releases the integration supports."""

from __future__ import annotations

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION

# Home Assistant validates with probatio since 2026.10, and with voluptuous, whose
# interface probatio keeps, before. Both are installed from 2026.9 on, so the
# release decides rather than what can be imported.
if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10):
    import probatio as vol
else:  # pragma: no cover - Home Assistant 2026.9
    import voluptuous as vol  # type: ignore[no-redef]

__all__ = ["vol"]
