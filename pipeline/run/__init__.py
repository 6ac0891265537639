"""Stage 7, run: the stages chained under the survey's lock (``stages``), the render plan and its keys
(``plan``), executing reports on warm kernels in any executor (``execute``, ``kernel``), rendering with
progress and the run's index, workbook and summary (``render``), one run at a time (``lock``).

Nothing is imported here: report workers import ``execute`` alone and stay free of the analysis stack.
"""
