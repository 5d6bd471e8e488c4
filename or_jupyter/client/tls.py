"""The process's one TLS context for its HTTP clients.

httpx builds a context for every client it makes, and loading the certificate bundle
(certifi's, or `SSL_CERT_FILE` / `SSL_CERT_DIR`) takes about 50 ms of CPU: more than a
whole short answer. Clients made with this one share it (an `SSLContext` serves many
connections and threads); the environment's certificate settings are read once, when the
first client is made.
"""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["tls_context"]


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default context (certificate checks on), made on first use."""
    return httpx.create_ssl_context()
