"""ADaM programs of the pharmaverse peer study (READS/WRITES, ``derive(ctx)``); ``_shared`` is a shared helper."""
