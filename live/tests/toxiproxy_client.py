#!/usr/bin/env python3
"""Drives faultline live's Toxiproxy-compatible API with a real Toxiproxy client
(toxiproxy-python, PyPI `toxiproxy-python`, module `toxiproxy`), unchanged.

Usage: toxiproxy_client.py API_HOST API_PORT UPSTREAM_PORT

UPSTREAM_PORT is an echo server on 127.0.0.1. The script creates a proxy to it, checks
bytes pass, adds a 300 ms latency toxic and checks the echo takes at least that long, lists
proxies and toxics, removes the toxic, resets, destroys the proxy and checks it is gone.
Prints `OK` and exits 0 on success; any failure raises (exit 1).
"""

import socket
import sys
import time

import toxiproxy
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists


def echo_round_trip(listen):
    host, port = listen.rsplit(":", 1)
    start = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"ping")
        got = b""
        while len(got) < 4:
            chunk = s.recv(4 - len(got))
            if not chunk:
                break
            got += chunk
    assert got == b"ping", "echo through the proxy returned %r" % got
    return time.monotonic() - start


def main():
    api_host, api_port, upstream_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    server = toxiproxy.Toxiproxy()
    server.update_api_consumer(api_host, api_port)
    assert server.running(), "the API does not accept connections"
    version = server.version()
    assert version, "no version"
    print("version:", version)

    upstream = "127.0.0.1:%d" % upstream_port
    proxy = server.create(upstream=upstream, name="pyclient", listen="127.0.0.1:0")
    assert proxy.name == "pyclient" and proxy.upstream == upstream and proxy.enabled
    assert not proxy.listen.endswith(":0"), "listen is not the bound address: " + proxy.listen
    print("created:", proxy.name, proxy.listen)

    try:
        server.create(upstream=upstream, name="pyclient")
        raise AssertionError("creating the proxy twice succeeded")
    except ProxyExists:
        pass
    # The server's own 409 too (the client checks its list first): post directly.
    try:
        APIConsumer.post("/proxies", json={"name": "pyclient", "upstream": upstream, "listen": "127.0.0.1:0"})
        raise AssertionError("the API accepted a duplicate proxy")
    except ProxyExists:
        pass

    plain = echo_round_trip(proxy.listen)
    print("round trip without toxic: %.3f s" % plain)

    proxy.add_toxic(type="latency", attributes={"latency": 300, "jitter": 0})
    toxics = proxy.toxics()
    assert list(toxics) == ["latency_downstream"], toxics
    t = toxics["latency_downstream"]
    assert (t.type, t.stream, t.toxicity) == ("latency", "downstream", 1.0), vars(t)
    assert t.attributes == {"latency": 300, "jitter": 0}, t.attributes

    slow = echo_round_trip(proxy.listen)
    print("round trip with a 300 ms latency toxic: %.3f s" % slow)
    assert slow >= 0.29, "the latency toxic did not delay the echo (%.3f s)" % slow

    try:
        proxy.add_toxic(type="slicer", attributes={})
        raise AssertionError("an unsupported toxic type was accepted")
    except InvalidToxic:
        pass

    listed = server.proxies()
    assert "pyclient" in listed and listed["pyclient"].listen == proxy.listen, listed

    assert proxy.destroy_toxic("latency_downstream")
    assert proxy.toxics() == {}
    try:
        proxy.destroy_toxic("latency_downstream")
        raise AssertionError("removing a missing toxic succeeded")
    except NotFound:
        pass

    proxy.disable()
    assert not server.get_proxy("pyclient").enabled
    assert server.reset()
    assert server.get_proxy("pyclient").enabled, "reset did not enable the proxy"

    assert server.destroy(proxy)
    assert server.get_proxy("pyclient") is None
    try:
        APIConsumer.get("/proxies/pyclient")
        raise AssertionError("the destroyed proxy is still there")
    except NotFound:
        pass
    print("OK")


if __name__ == "__main__":
    main()
