"""Benchmarks: synthetic sites in the SPEC formats, built and measured (``python -m bench``)."""
