"""Smoke tests of the benchmarks: they run and write their figures."""
