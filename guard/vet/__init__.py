"""The orchestration of check, install and audit: resolve, pre-vet sdists, look up, fetch,
judge, install.
"""
