"""The package version, in one place (read by the package root and the client)."""

__version__ = "0.1.0"
