"""Tests for the Massage integration and its companions."""
