"""argv in, exit code out: sub-commands, printing and exit codes (the only package that prints
or exits).
"""
