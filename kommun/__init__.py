"""Kommuner, the unit of tenancy: boundaries and the named places residents can pick."""
