"""Every subprocess, all started through ``process`` (the one wrapper): safepip's pip
worker, dry runs, the pinned install, environment listing; pip's argument table.
"""
