"""Runtimes over one engine: streaming batches, process pools, Ray Data and the HTTP server."""
