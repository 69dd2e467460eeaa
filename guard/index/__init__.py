"""Every network call, through the one session of ``http``: the JSON API (client in
``pypi``, pure parser in ``parse``), artifacts, remote policies, the popular list;
concurrency for look-ups and downloads (``concurrency``); the on-disk cache.
"""
