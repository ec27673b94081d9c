"""Tests of the device emulator."""
