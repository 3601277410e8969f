"""Pure rules of the notify service: who a principal reads as, and what each event tells whom."""
