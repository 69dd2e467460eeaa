"""Every network call: the HTTP session, the JSON API, artifacts, remote policies, the popular
list; the on-disk cache.
"""
