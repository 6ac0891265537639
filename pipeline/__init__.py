"""Grassroots survey research pipeline (基层调研问卷分析流水线).

Stages, one module each: ``ingest`` → ``clean`` → ``analyze`` → ``findings`` → ``render``.
Importing the package is cheap: submodules are imported where they are used.
"""

__version__ = "0.1.0"
