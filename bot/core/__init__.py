"""The platform-neutral core: domain rules and use cases.

Nothing in this package imports a chat platform, a database or a scheduler
library; tests/core/test_boundaries.py keeps it that way.
"""
