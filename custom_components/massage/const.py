"""Constants for the Massage integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "massage"
LOGGER = logging.getLogger(__package__)

DEFAULT_PORT: Final = 80

CONF_SESSION_CAP: Final = "session_cap_minutes"
CONF_HEAT_CAP: Final = "heat_cap_minutes"
CONF_DEFAULT_TIMER: Final = "default_timer_minutes"
# Learned from the device: it authenticates with Digest (protocol 1.1), so a
# request for the token in the clear is refused as a downgrade.
CONF_REQUIRE_DIGEST: Final = "require_digest"

# Caps the integration enforces on its own, whatever the firmware allows.
DEFAULT_SESSION_CAP: Final = 30
MAX_SESSION_CAP: Final = 60
DEFAULT_HEAT_CAP: Final = 15
MAX_HEAT_CAP: Final = 30

# While the push channel is down the device is polled, never more often than this.
POLL_INTERVAL: Final = timedelta(seconds=30)
# Reconnect delays grow from the first to the cap, with jitter so that many devices
# do not all knock at once after a network blip.
RECONNECT_MIN_DELAY: Final = 1.0
RECONNECT_MAX_DELAY: Final = 60.0
# Silence on the push channel after which we ping, and wait as long again for an
# answer: a dead peer is noticed within 6 s, leaving room for one probe below.
PUSH_HEARTBEAT: Final = 3.0
# A poll after the push channel died must answer well within the 10 s in which a
# vanished device has to turn unavailable.
PROBE_TIMEOUT: Final = 3.0
# Retry a safety stop that the device did not take.
SAFETY_RETRY_INTERVAL: Final = timedelta(seconds=10)
# A reload parks a running session, its caps still armed, for the next set-up to
# take over; if none does within this grace, the device is stopped.
HANDOVER_GRACE: Final = timedelta(minutes=2)
# A device may push thousands of states a second. The first after a quiet spell
# shows at once; the rest are coalesced, so each entity writes its state at most
# once in this interval, and always ends on the last state pushed.
PUSH_COALESCE: Final = timedelta(seconds=0.25)
