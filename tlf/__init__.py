"""TLF programs of NCT04984096: one module per output (READS/WRITES, ``derive(ctx)``); ``_common`` is a shared helper."""
