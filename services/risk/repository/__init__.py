"""Every query of the risk service, one module per topic. Rows come back typed (the ORM classes of
``services.risk.models`` or small named tuples); what a caller may see is decided here, by one
``services.common.access.Visibility`` per kind of object, used alike by the get and the list of that kind.
"""
