"""Every query of the credit_repair service, one module per kind of row.

- ``rule_sets``: versioned rule sets (parsed once per row version);
- ``records``: credit records (the case lock, the projection of decisions), early case events;
- ``notices``: 信用修复提示书 and their gap-free numbers;
- ``repairs``: repair applications;
- ``publications``: publication ends, the integrations' feed, the public list;
- ``deferred``: what is written last in a transaction (audit entries, numbered feed entries), and why;
- ``bulk``: set-based ends of many publications (the daily sweep and 信用松绑 clean-up runs).

Visibility goes through the kernel's one access rule (``services.common.access``): each kind that callers
read declares its ``Visibility`` once, and its get and its list use the same rule, so a list never shows
what a get would hide. Clean-up runs and rule sets are not scoped: every caller a route admits sees them.
"""
