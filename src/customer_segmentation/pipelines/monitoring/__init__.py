"""``monitoring``: what moved between two runs (segments, customers, features)."""
