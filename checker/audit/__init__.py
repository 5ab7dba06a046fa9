"""Predicted against actual IMR outcomes, at scale: comparison and totals, the batch (workers, faults, resume) and
its SQLite store, and the reviewer-consistency analysis."""
