"""Tests of the Massage integration."""
