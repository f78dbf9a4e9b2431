"""Phalanx: model a collective security system from sourced data.

The package is organised in stages, each taking plain data from the one above:
``kb`` (the validated knowledge base), ``network`` (signed networks and balance),
``measures`` (strain and cohesion of an organisation), ``models`` (alignment and
collective decisions), ``report`` and ``cli`` (presentation).
"""

__version__ = "0.1.0"
