"""Pure analyses the rules call: typosquat, the static scan, RECORD integrity, .pth knowledge,
sdist metadata.
"""
