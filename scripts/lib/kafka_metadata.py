#!/usr/bin/env python3
"""A tiny Kafka Metadata client (standard library only) for scripts/faults.

    kafka_metadata.py leader HOST:PORT[,HOST:PORT...] TOPIC PARTITION
        prints the partition's leader id (-1 when it has none); exit 1 when no broker answered
    kafka_metadata.py healthy HOST:PORT[,...] TOPIC REPLICAS
        exit 0 when every partition of TOPIC has a leader and REPLICAS replicas in its ISR, as seen by
        every listed broker that answers (at least one must); prints the partitions otherwise
    kafka_metadata.py describe HOST:PORT[,...] TOPIC
        one line per partition: partition, leader, replicas, isr

Speaks Metadata v4 (Kafka 1.0 to 4.x and Samsa accept it; allow_auto_topic_creation=false, so asking never
creates the topic) over a plain socket, so that the fault loop asks who leads a partition without starting a JVM.
"""
import socket
import struct
import sys

API_METADATA = 3
VERSION = 4


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        value = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value[0]

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def int_array(self):
        return [self.take(">i") for _ in range(self.take(">i"))]


def _encode_string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def _recv_exactly(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def encode_request(topic):
    """A Metadata v4 request for TOPIC, with its size prefix."""
    body = struct.pack(">hhi", API_METADATA, VERSION, 1) + _encode_string("samsa-faults")
    body += struct.pack(">i", 1) + _encode_string(topic) + struct.pack(">?", False)
    return struct.pack(">i", len(body)) + body


def parse_response(data, topic):
    """{partition: (leader, replicas, isr)} of TOPIC from a Metadata v4 response (without its size prefix)."""
    r = Reader(data)
    r.take(">i"), r.take(">i")  # correlation id, throttle time
    for _ in range(r.take(">i")):  # brokers
        r.take(">i"), r.string(), r.take(">i"), r.string()
    r.string(), r.take(">i")  # cluster id, controller id
    result = {}
    for _ in range(r.take(">i")):
        error, name, _internal = r.take(">h"), r.string(), r.take(">?")
        for _ in range(r.take(">i")):
            _perr, index, leader = r.take(">h"), r.take(">i"), r.take(">i")
            replicas, isr = r.int_array(), r.int_array()
            if name == topic and error == 0:
                result[index] = (leader, replicas, isr)
    return result


def metadata(bootstrap, topic, timeout=3.0):
    """Returns {partition: (leader, replicas, isr)} for TOPIC as one broker sees it."""
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(encode_request(topic))
        size = struct.unpack(">i", _recv_exactly(sock, 4))[0]
        return parse_response(_recv_exactly(sock, size), topic)


def _answers(bootstraps, topic):
    for b in bootstraps.split(","):
        try:
            yield b, metadata(b, topic)
        except (OSError, ConnectionError, struct.error):
            continue


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    verb, bootstraps, topic = argv[1], argv[2], argv[3]
    if verb == "leader":
        partition = int(argv[4])
        for _, parts in _answers(bootstraps, topic):
            if partition in parts:
                print(parts[partition][0])
                return 0
        return 1
    if verb == "healthy":
        want = int(argv[4])
        answered, ok = 0, True
        for b, parts in _answers(bootstraps, topic):
            answered += 1
            bad = {p: v for p, v in parts.items() if v[0] < 0 or len(v[2]) < want}
            if not parts or bad:
                ok = False
                print(f"{b}: {bad or 'no partitions'}")
        return 0 if answered and ok else 1
    if verb == "describe":
        for _, parts in _answers(bootstraps, topic):
            for p in sorted(parts):
                leader, replicas, isr = parts[p]
                print(f"partition {p} leader {leader} replicas {replicas} isr {isr}")
            return 0
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
