"""Generic ADaM derivations (admiral-like)."""
