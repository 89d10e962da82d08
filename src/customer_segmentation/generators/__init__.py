"""Deterministic generators of the example data; no pipeline imports them.

- :mod:`.transactions`: invoice lines in the Online Retail II schema with planted customer
  groups (``data/01_raw/transactions.csv``, the test slice and the larger benchmark files):
  ``python -m customer_segmentation.generators.transactions``.
- :mod:`.customer_table`: a ready table of one row per customer
  (``data/01_raw/customers.csv``): ``python -m customer_segmentation.generators.customer_table``.
"""
