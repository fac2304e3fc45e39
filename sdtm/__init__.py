"""SDTM programs of NCT04984096: one module per domain (READS/WRITES/RAW, ``derive(ctx)``); ``_visits`` is a shared helper."""
