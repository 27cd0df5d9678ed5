"""Two group consumers of one non-Java client in one process, for LibrdkafkaGroupIT.

usage: group_consumer.py CLIENT BOOTSTRAP TOPIC GROUP PARTITIONS PER_PARTITION ASSIGNOR
CLIENT is "confluent" (librdkafka) or "kafka-python". Both members subscribe to TOPIC in GROUP and poll on their
own threads, committing synchronously after each non-empty poll, until every partition was read to its end (PER_PARTITION
messages) and committed there, and the two members own disjoint, non-empty parts of the topic. Prints one JSON object per line:
  {"member": i, "partition": p, "offset": o, "value": v}   for every message read
  {"member": i, "assignment": [p, ...]}                        at the end
Exit status 0 on success, 2 on a timeout (after printing what it had), 1 on an error.
"""
import json
import sys
import threading
import time

client, bootstrap, topic, group, partitions, per_partition, assignor = sys.argv[1:8]
partitions = int(partitions)
per_partition = int(per_partition)
DEADLINE = time.time() + 45


def out(obj):
    print(json.dumps(obj), flush=True)


if client == "confluent":
    from confluent_kafka import Consumer, KafkaException

    def make():
        c = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 300,
            "partition.assignment.strategy": assignor,
            "socket.timeout.ms": 5000,
        })
        c.subscribe([topic])
        return c

    def poll(c):
        m = c.poll(0.1)
        if m is None:
            return []
        if m.error():
            out({"error": str(m.error())})
            return []
        return [(m.partition(), m.offset(), m.value().decode())]

    def commit(c):
        try:
            c.commit(asynchronous=False)
            return True
        except KafkaException as e:
            out({"commit_error": str(e)})
            return False

    def assignment(c):
        return sorted(tp.partition for tp in c.assignment())

    def close(c):
        c.close()
else:
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    def make():
        return KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=6000,
            heartbeat_interval_ms=300,
            request_timeout_ms=7000,
        )

    def poll(c):
        got = []
        for tp, records in c.poll(timeout_ms=100).items():
            for r in records:
                got.append((tp.partition, r.offset, r.value.decode()))
        return got

    def commit(c):
        try:
            c.commit()
            return True
        except KafkaError as e:
            out({"commit_error": str(e)})
            return False

    def assignment(c):
        return sorted(tp.partition for tp in c.assignment())

    def close(c):
        c.close()

lock = threading.Lock()
committed_to_end = set()
assignments = [[], []]
stop = threading.Event()


def run(i):
    # Each member polls on its own thread: kafka-python's poll blocks while its group rebalances.
    c = make()
    try:
        while not stop.is_set():
            records = poll(c)
            ended = set()
            with lock:
                for p, o, v in records:
                    out({"member": i, "partition": p, "offset": o, "value": v})
                    if o == per_partition - 1:
                        ended.add(p)
            if records and commit(c):
                with lock:
                    committed_to_end.update(ended)
            assignments[i] = assignment(c)
    except Exception as e:  # reported, and the run fails
        out({"member": i, "exception": repr(e)})
    finally:
        close(c)


threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
status = 2
while time.time() < DEADLINE:
    with lock:
        done = len(committed_to_end) == partitions
    a, b = assignments
    if done and a and b and not set(a) & set(b):
        status = 0
        break
    time.sleep(0.05)
for i in range(2):
    out({"member": i, "assignment": assignments[i]})
stop.set()
for t in threads:
    t.join(20)
sys.exit(status)
