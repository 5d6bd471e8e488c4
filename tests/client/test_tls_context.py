"""Clients share the process's one TLS context: each loaded the certificate bundle anew
(about 50 ms of CPU per client), and certificates are still checked."""

from __future__ import annotations

import ssl

import or_jupyter as orj
from or_jupyter.client.tls import tls_context


def _context(client) -> ssl.SSLContext:
    return client._http._transport._pool._ssl_context  # httpx -> httpcore's pool


def test_sync_and_async_clients_share_one_context_that_checks_certificates():
    made = [orj.Client(api_key="k"), orj.Client(api_key="k"), orj.AsyncClient(api_key="k")]
    contexts = {id(_context(client)) for client in made}
    assert contexts == {id(tls_context())}
    assert tls_context().verify_mode == ssl.CERT_REQUIRED and tls_context().check_hostname
    assert tls_context().cert_store_stats()["x509_ca"] > 0  # the bundle is loaded
    for client in made[:2]:
        client.close()
