"""The ASR-style slot corpus (see README.md)."""
