"""The team's policy: loading, validation, layering, decide(), and the ``safepip policy`` sub-
commands.
"""
