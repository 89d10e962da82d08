"""``python -m customer_segmentation.generators.transactions``: see :mod:`.cli`."""

from customer_segmentation.generators.transactions.cli import main

main()
