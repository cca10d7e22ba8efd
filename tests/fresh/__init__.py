"""Fresh flows written from the docs alone, and the mistakes a new team makes in them."""
