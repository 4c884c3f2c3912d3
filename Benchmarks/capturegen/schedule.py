"""A discrete-event scheduler for simulated connections, and the shared network state.

Actors are generators: each `yield` gives the absolute time (ns) at which the actor wants
to run again; `return` ends it. Packets are written as actors run, so the file comes out
in timestamp order without sorting millions of packets.
"""

import collections
import heapq
import random

INFINITY = float("inf")


class Scheduler:
    def __init__(self):
        self.heap = []
        self.counter = 0
        self.now = 0

    def spawn(self, t, actor):
        self.counter += 1
        heapq.heappush(self.heap, (t, self.counter, actor))

    def next_time(self):
        """Time of the next other actor's wake-up (the running actor is not in the heap)."""
        return self.heap[0][0] if self.heap else INFINITY

    def run(self):
        heap = self.heap
        while heap:
            t, _, actor = heapq.heappop(heap)
            self.now = t
            try:
                wake = next(actor)
            except StopIteration:
                continue
            self.counter += 1
            heapq.heappush(heap, (wake, self.counter, actor))


class Network:
    """The writer, the impairments, and what the truth file counts."""

    def __init__(self, writer, rng, impairments):
        self.writer = writer
        self.rng = rng
        self.impair = impairments
        self.connections_by_port = collections.Counter()
        self.closes = collections.Counter()
        self.without_handshake = 0
        self.http_by_service = collections.Counter()
        self.http_by_status = collections.Counter()
        self.image_flow_http = []
        self.queries = 0
        self.pings = 0
        self.quits = 0
        self.mysql_connections = 0
        self._ports = {}

    def register(self, conn):
        self.connections_by_port[conn.ends[1].port] += 1

    def closed(self, kind):
        self.closes[kind] += 1

    def ephemeral_port(self, ip):
        port = self._ports.get(ip)
        if port is None:
            port = random.Random(ip).randrange(33000, 60000)
        port += 1
        if port > 60999:
            port = 32768
        self._ports[ip] = port
        return port

    def http(self, service, method, path, status, image_flow=False):
        self.http_by_service[service] += 1
        self.http_by_status[str(status)] += 1
        if image_flow:
            self.image_flow_http.append({"service": service, "method": method, "path": path, "status": status})
