"""Rendering verdicts (text, JSON, SARIF, Markdown) and the one sanitiser of untrusted text."""
