"""Tests of Home Assistant components."""
