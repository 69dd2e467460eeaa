"""safepip: vet everything pip would install against a team policy, then install exactly that."""

__version__ = "0.1.0"
