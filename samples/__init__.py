"""Synthetic Chinese VAT invoices with golden JSON, for tests and the accuracy benchmark.

Run ``python -m samples.generate --help``; see ``samples/generate.py`` for the
output contract (file names, golden keys, the rotation convention).
"""
