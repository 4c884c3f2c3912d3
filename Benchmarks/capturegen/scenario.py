"""Wires the actors together for a capture of a given size and writes the truth record."""

import datetime
import os
import random

from . import background
from .imageflow import Budget, ImageFlow
from .schedule import Network, Scheduler
from .tcp import Impairments
from .writer import CaptureWriter

# 2026-11-24T18:40:00Z, the week the test bed's real captures were made.
START_NS = 1_795_545_600 * 1_000_000_000
GENERATOR_VERSION = 2


def rfc3339(ts_ns, nsec):
    sec, frac = divmod(ts_ns, 1_000_000_000)
    base = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return base + (".%09dZ" % frac if nsec else ".%06dZ" % (frac // 1000))


def plan(target):
    """How much background traffic a capture of `target` bytes gets."""
    queries = max(300, min(100_000, target // 20_480))
    keystone_clients = max(12, min(400, target // (7 << 20)))
    return queries, keystone_clients, max(3, keystone_clients // 10)


def many_image_specs(rng, count, target):
    """`count` - 1 small images (cirros-like, 16 KiB up to 2 MiB, about a quarter of the file in
    all; content-length or chunked), every third one deleted after its update, then the big one
    that fills the file."""
    cap = max(32_768, min(2 << 20, target // (2 * count)))
    specs = []
    for n in range(count - 1):
        specs.append({"name": "cirros-%04d" % n, "disk_format": rng.choice(("qcow2", "raw")),
                      "container_format": "bare", "visibility": rng.choice(("public", "private")),
                      "transfer": "chunked" if n % 2 else "content-length",
                      "fixed_size": rng.randrange(16_384, cap), "delete": n % 3 == 2})
    specs.append({"name": "overcloud-full", "disk_format": "qcow2", "container_format": "bare",
                  "visibility": "public", "transfer": "chunked", "fixed_size": None})
    return specs


def generate(path, target, fmt="pcap", nsec=False, seed=1, mss=1448, rate=10 << 20,
             reorder=0.001, retransmit=0.001, images=3):
    """Writes the capture; returns the truth dictionary."""
    rng = random.Random(seed)
    writer = CaptureWriter(path, fmt, nsec)
    net = Network(writer, rng, Impairments(rng, reorder, retransmit))
    sched = Scheduler()
    queries, keystone_clients, listings = plan(target)
    duration = max(3 * 10 ** 9, target * 10 ** 9 // rate)
    t0 = START_NS + rng.randrange(10 ** 9)
    end = t0 + duration
    sched.now = t0

    others = background.existing_images(rng, t0 - 30 * 86_400 * 10 ** 9)
    per_service = queries // 2
    background.pool(net, rng, sched, "keystone", background.KEYSTONE_HOST, 10, others, per_service, end, 4)
    background.pool(net, rng, sched, "glance", background.GLANCE_HOST, 20, others, per_service, end, 4,
                    preexisting=1)
    for _ in range(keystone_clients):
        sched.spawn(rng.randrange(t0, end), background.keystone_client(net, rng, sched))
    for _ in range(listings):
        sched.spawn(rng.randrange(t0, end), background.glance_listing(net, rng, sched, others))

    specs = [
        {"name": "overcloud-full-vmlinuz", "disk_format": "aki", "container_format": "bare",
         "visibility": "public", "transfer": "content-length", "fixed_size": max(65_536, target // 200) + 123},
        {"name": "overcloud-full-initrd", "disk_format": "ari", "container_format": "bare",
         "visibility": "public", "transfer": "chunked", "fixed_size": max(262_144, target // 40) + 4567},
        {"name": "overcloud-full", "disk_format": "qcow2", "container_format": "bare",
         "visibility": "public", "transfer": "chunked", "fixed_size": None},
    ]
    if images != 3:
        specs = many_image_specs(rng, images, target)
    budget = Budget(writer, target, [], t0, end, mss)
    flow = ImageFlow(net, rng, sched, specs, budget, mss, mss * 10 ** 9 // rate,
                     gap=500_000_000 if images == 3 else 50_000_000)
    sched.spawn(t0 + 400_000_000, flow.run())
    sched.run()
    writer.close()
    return truth(path, writer, net, flow, others, seed, mss, nsec)


def truth(path, writer, net, flow, others, seed, mss, nsec):
    connections = sum(net.connections_by_port.values())
    closed = net.closes["fin"] + net.closes["rst"]
    images = []
    for image in flow.images:
        images.append({
            "id": image["id"], "name": image["name"], "disk_format": image["disk_format"],
            "container_format": image["container_format"], "visibility": image["visibility"],
            "status": image["status_now"], "size": image["size_now"], "checksum": image["checksum_now"],
            "os_hash_algo": image["algo_now"], "os_hash_value": image["sha512_now"],
            "properties": dict(image["properties_now"]),
            "status_sequence": image["status_sequence"],
            "transitions": [s for i, s in enumerate(image["status_sequence"])
                            if i == 0 or s != image["status_sequence"][i - 1]],
            "upload": {"transfer": image["transfer"], "segment_size": mss, "bytes": image["size_now"],
                       "body_bytes_on_wire": image["body_on_wire"], "md5": image["checksum_now"],
                       "sha512": image["sha512_now"]},
        })
    return {
        "generator": "glancetrace Benchmarks/generate-capture",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "file": os.path.basename(path),
        "format": writer.format,
        "precision": "nsec" if nsec else "usec",
        "link_types": ["ethernet"],
        "bytes": writer.bytes,
        "packets": writer.packets,
        "captured_bytes": writer.captured,
        "first": rfc3339(writer.first_ts, nsec),
        "last": rfc3339(writer.last_ts, nsec),
        "tcp": {
            "connections": connections,
            "connections_by_port": {str(p): n for p, n in sorted(net.connections_by_port.items())},
            "without_handshake": net.without_handshake,
            "closed_fin": net.closes["fin"],
            "closed_rst": net.closes["rst"],
            "left_open": connections - closed,
            "retransmitted_segments": net.impair.retransmitted,
            "out_of_order_segments": net.impair.reordered,
        },
        "http": {
            "requests": sum(net.http_by_service.values()),
            "by_service": dict(sorted(net.http_by_service.items())),
            "by_status": dict(sorted(net.http_by_status.items())),
            "image_flow": net.image_flow_http,
        },
        "mysql": {"connections": net.mysql_connections, "queries": net.queries, "pings": net.pings,
                  "quits": net.quits},
        "images": images,
        "other_images": [{"id": i["id"], "name": i["name"], "status": i["status_now"]} for i in others],
    }
