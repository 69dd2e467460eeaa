"""The vetting steps of check, install and audit, each taking and returning typed values:
``vetter`` (the entry point, built from its collaborators), ``resolve``, ``missing``,
``sdists``, ``direct``, ``lookup``, ``judge``, ``pins``, ``install``, ``audit``; the
values they pass in ``model``.
"""
