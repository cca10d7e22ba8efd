"""The version, in a module of its own so any layer can read it without importing the package."""

__version__ = "1.0.0.dev0"
