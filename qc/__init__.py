"""QC programs of NCT04984096: independent double programming, one module per dataset or output."""
