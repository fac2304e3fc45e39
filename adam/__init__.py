"""ADaM programs of NCT04984096: one module per dataset (READS/WRITES, ``derive(ctx)``)."""
