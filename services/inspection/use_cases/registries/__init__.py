"""Use cases of the registries (SPEC §2.1), one module per registry: districts, departments and enforcement
bodies (``departments``), the versioned item catalogue (``catalogue``), officers and their certificates
(``officers``), enterprises, their printed codes and risk classes (``enterprises``), and the no-inspection
periods (``quiet_windows``)."""
