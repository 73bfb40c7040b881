"""Benchmarks; each module is runnable on its own (see bench/README.md)."""
