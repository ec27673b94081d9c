"""The small read-only status page a device may serve at `/` (optional in 1.1)."""

from __future__ import annotations

from html import escape
from typing import Any

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; max-width: 40em; }}
th {{ text-align: left; padding-right: 1em; font-weight: normal; color: #555; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>A massage device that speaks the Massage Local API {protocol}. This page only
shows what it is; it is controlled through the API.</p>
<h2>Device</h2>
<table>
{device}
</table>
<h2>State</h2>
{state}
</body>
</html>
"""


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "\n".join(
        f"<tr><th>{escape(label)}</th><td>{escape(_text(value))}</td></tr>"
        for label, value in pairs
    )


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def render_status_page(
    info: dict[str, Any], state: dict[str, Any] | None, protocol: str
) -> str:
    """Return the page: identity always, the state only when it is public."""
    capabilities = info["capabilities"]
    device = _rows(
        [
            ("Id", info["id"]),
            ("Kind", info["kind"]),
            ("Manufacturer", info["manufacturer"]),
            ("Model", info["model"]),
            ("Firmware", info["firmware"]),
            ("Levels", capabilities["levels"]),
            ("Modes", capabilities["modes"]),
            ("Heat steps", capabilities["heat_levels"]),
            ("Timer options (minutes)", capabilities["timer_options"]),
        ]
    )
    if state is None:
        state_html = "<p>This device has a token: its state is not shown here.</p>"
    else:
        state_html = "<table>\n" + _rows(list(state.items())) + "\n</table>"
    return _PAGE.format(
        title=escape(info["name"]) or "Massage device",
        protocol=escape(protocol),
        device=device,
        state=state_html,
    )
