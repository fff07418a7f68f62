"""Exponential backoff with jitter for retrying idempotent requests."""

import random


class Backoff:
    def __init__(self, base=0.5, factor=2.0, cap=30.0, attempts=5):
        self.base = base
        self.factor = factor
        self.cap = cap
        self.attempts = attempts

    def delays(self):
        """Yield the delay before each retry (full jitter)."""
        for n in range(self.attempts):
            yield random.uniform(0, min(self.cap, self.base * self.factor**n))
