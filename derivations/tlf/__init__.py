"""Tables, listings and figures: ARD, statistics, rendering."""
