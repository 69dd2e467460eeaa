"""Data shipped inside the package: the list of the most-downloaded PyPI projects."""
