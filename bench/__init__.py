"""Benchmarks (run as scripts; see BENCHMARKS.md)."""
