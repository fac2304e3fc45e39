"""CDISC-style dataset derivation framework."""
