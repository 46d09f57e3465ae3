"""mek-framing: how different writers frame the MEK.

Stage modules (one per notebook): ``clean`` (01-clean), ``entities``
(02-entities), ``framing`` (03-framing), ``charts`` (04-charts).
Shared modules: ``paths`` (every location), ``io`` (atomic, deterministic
reads and writes), ``schema`` (table contracts checked at stage boundaries),
``pipeline`` (the papermill batch runner).
"""

__version__ = "0.1.0"
