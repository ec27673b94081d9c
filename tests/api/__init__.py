"""Tests of the Massage Local API client."""
