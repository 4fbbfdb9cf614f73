"""The workbook's builder: notebooks/src/*.py (jupytext's percent format) -> notebooks/*.ipynb, executed.

``tools.notebooks.build`` parses, executes and writes; ``tools.notebooks.glossary`` links the first use of
every glossary term. Build-time only: nothing in the runtime package imports this.
"""
