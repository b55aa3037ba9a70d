"""Cleaning, analysis and streaming transforms of the Pinterest pipeline.

Every function takes ``spark`` and/or DataFrames as arguments, so the same code runs in the
Databricks notebooks (``databricks/notebooks``), in the local runners
(``local.batch``, ``local.stream``) and in tests.
"""

__version__ = "0.1.0"
