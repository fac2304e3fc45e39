"""TLF programs of the pharmaverse peer study (three arms): demographics, AE overview, TEAEs by SOC/PT and a
Kaplan-Meier plot with hazard ratios, each by arm with a Total column; ``_common`` is a shared helper."""
