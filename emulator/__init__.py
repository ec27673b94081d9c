"""
Emulated massage devices that speak the Massage Local API (1.1, or 1.0), for tests.

    device = EmulatedDevice(gun_profile(), minute_seconds=0.05)
    async with DeviceServer(device, token="secret") as server:
        ...  # talk to server.url; change server.faults; press device buttons
    device.close()

From a shell: `python -m emulator --help`.
"""

from .device import DeviceState, EmulatedDevice
from .errors import ApiError, ErrorCode
from .faults import Faults
from .profiles import DeviceProfile, foot_leg_profile, gun_profile
from .server import DeviceServer

__all__ = [
    "ApiError",
    "DeviceProfile",
    "DeviceServer",
    "DeviceState",
    "EmulatedDevice",
    "ErrorCode",
    "Faults",
    "foot_leg_profile",
    "gun_profile",
]
