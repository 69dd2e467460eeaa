"""Every subprocess: safepip's pip worker, dry runs, the pinned install, environment listing,
pip's argument table.
"""
