#!/usr/bin/python3
"""Compatibility scenarios for the Python clients (run by io.samsa.compat.ScriptClient).

    scenarios.py --lib confluent|kafka-python SCENARIO BOOTSTRAP PREFIX

confluent = librdkafka through Debian's python3-confluent-kafka; kafka-python = Debian's python3-kafka.
Exit 0: passed. Exit 77: skipped (the last line says why). Anything else: failed (the last line says why).
"""
import sys
import time

LIB, SCENARIO, BOOTSTRAP, PREFIX = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
WAIT = 20.0


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def check_eq(expected, actual, what):
    if expected != actual:
        raise AssertionError("%s: expected %r but was %r" % (what, expected, actual))


# ---- two back ends with one small interface ---------------------------------------------------------------

class Confluent:
    def __init__(self):
        import confluent_kafka
        from confluent_kafka import admin
        self.ck = confluent_kafka
        self.admin_mod = admin
        self.admin = admin.AdminClient({"bootstrap.servers": BOOTSTRAP})

    def create_topic(self, name, partitions, configs=None):
        fs = self.admin.create_topics([self.admin_mod.NewTopic(name, num_partitions=partitions,
                                                               replication_factor=1, config=configs or {})])
        fs[name].result(WAIT)

    def topic_exists_error(self, e):
        return "TOPIC_ALREADY_EXISTS" in str(e)

    def partitions(self, topic):
        md = self.admin.list_topics(topic=topic, timeout=WAIT)
        t = md.topics[topic]
        if t.error is not None:
            raise AssertionError("metadata error for %s: %s" % (topic, t.error))
        return {p.id: p.leader for p in t.partitions.values()}, len(md.brokers), md.cluster_id

    def delete_topic(self, name):
        self.admin.delete_topics([name])[name].result(WAIT)

    def list_topics(self):
        return set(self.admin.list_topics(timeout=WAIT).topics)

    def produce(self, topic, records, **conf):
        """records: list of (partition or None, key, value, headers, timestamp or None). Returns [(partition, offset)]."""
        cfg = {"bootstrap.servers": BOOTSTRAP, "linger.ms": 5, "message.timeout.ms": 20000}
        for k, v in conf.items():
            cfg[k.replace("_", ".")] = v
        p = self.ck.Producer(cfg)
        out = [None] * len(records)
        errors = []

        def cb(i):
            def done(err, msg):
                if err is not None:
                    errors.append(err)
                else:
                    out[i] = (msg.partition(), msg.offset())
            return done

        for i, (part, key, value, headers, ts) in enumerate(records):
            kw = {"key": key, "value": value, "on_delivery": cb(i)}
            if part is not None:
                kw["partition"] = part
            if headers:
                kw["headers"] = headers
            if ts is not None:
                kw["timestamp"] = ts
            p.produce(topic, **kw)
            p.poll(0)
        p.flush(WAIT)
        if errors:
            raise ProduceError(str(errors[0]))
        return out

    def consume(self, topic, partitions, n, group=None, commit_after=None):
        """Reads n records; returns list of (partition, offset, key, value, headers, timestamp)."""
        c = self.ck.Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group or PREFIX + "-reader",
                              "auto.offset.reset": "earliest", "enable.auto.commit": False})
        try:
            if group is None:
                c.assign([self.ck.TopicPartition(topic, p, self.ck.OFFSET_BEGINNING) for p in range(partitions)])
            else:
                c.subscribe([topic])
            out = []
            deadline = time.time() + WAIT
            while len(out) < n and time.time() < deadline:
                m = c.poll(0.5)
                if m is None:
                    continue
                if m.error():
                    raise AssertionError("consumer error: %s" % m.error())
                out.append((m.partition(), m.offset(), m.key(), m.value(), m.headers() or [], m.timestamp()[1]))
                if commit_after is not None and len(out) == commit_after:
                    c.commit(asynchronous=False)
                    break
            return out
        finally:
            c.close()

    def offset_for_time(self, topic, ts):
        c = self.ck.Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": PREFIX + "-t"})
        try:
            r = c.offsets_for_times([self.ck.TopicPartition(topic, 0, ts)], WAIT)
            return r[0].offset
        finally:
            c.close()

    def too_large(self, e):
        return "MSG_SIZE_TOO_LARGE" in str(e) or "too large" in str(e).lower()


class KafkaPython:
    def __init__(self):
        import kafka
        from kafka import admin, errors
        self.kafka = kafka
        self.admin_mod = admin
        self.errors = errors
        self.admin = admin.KafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=15000)

    def create_topic(self, name, partitions, configs=None):
        r = self.admin.create_topics([self.admin_mod.NewTopic(name, partitions, 1, topic_configs=configs or {})])
        for t in getattr(r, "topic_errors", []) or []:
            if t[1] != 0:
                raise self.errors.for_code(t[1])(t[2] if len(t) > 2 else "")

    def topic_exists_error(self, e):
        return isinstance(e, self.errors.TopicAlreadyExistsError)

    def partitions(self, topic):
        c = self.kafka.KafkaConsumer(bootstrap_servers=BOOTSTRAP)
        try:
            deadline = time.time() + WAIT
            parts = None
            while time.time() < deadline:
                parts = c.partitions_for_topic(topic)
                if parts:
                    break
                time.sleep(0.1)
            brokers = len(c._client.cluster.brokers())
            leaders = {p: c._client.cluster.leader_for_partition(self.kafka.TopicPartition(topic, p))
                       for p in parts or []}
            return leaders, brokers, getattr(c._client.cluster, "cluster_id", "not exposed by kafka-python")
        finally:
            c.close()

    def delete_topic(self, name):
        self.admin.delete_topics([name])

    def list_topics(self):
        return set(self.admin.list_topics())

    def produce(self, topic, records, **conf):
        p = self.kafka.KafkaProducer(bootstrap_servers=BOOTSTRAP, linger_ms=5, request_timeout_ms=15000, **conf)
        try:
            futures = []
            for part, key, value, headers, ts in records:
                futures.append(p.send(topic, value=value, key=key, partition=part, headers=headers or None,
                                      timestamp_ms=ts))
            p.flush(WAIT)
            out = []
            for f in futures:
                try:
                    md = f.get(WAIT)
                except Exception as e:  # noqa: BLE001 - the error's type is what the caller checks
                    raise ProduceError(repr(e))
                out.append((md.partition, md.offset))
            return out
        finally:
            p.close(5)

    def consume(self, topic, partitions, n, group=None, commit_after=None):
        c = self.kafka.KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group, auto_offset_reset="earliest",
                                     enable_auto_commit=False)
        try:
            if group is None:
                tps = [self.kafka.TopicPartition(topic, p) for p in range(partitions)]
                c.assign(tps)
                c.seek_to_beginning(*tps)
            else:
                c.subscribe([topic])
            out = []
            deadline = time.time() + WAIT
            while len(out) < n and time.time() < deadline:
                for tp, recs in c.poll(timeout_ms=500, max_records=10).items():
                    for m in recs:
                        out.append((m.partition, m.offset, m.key, m.value, m.headers or [], m.timestamp))
                if commit_after is not None and len(out) >= commit_after:
                    c.commit()
                    break
            return out
        finally:
            c.close()

    def offset_for_time(self, topic, ts):
        c = self.kafka.KafkaConsumer(bootstrap_servers=BOOTSTRAP)
        try:
            tp = self.kafka.TopicPartition(topic, 0)
            r = c.offsets_for_times({tp: ts})[tp]
            return -1 if r is None else r.offset
        finally:
            c.close()

    def too_large(self, e):
        return "MessageSizeTooLarge" in str(e) or "too large" in str(e).lower()


class ProduceError(Exception):
    pass


# ---- scenarios ---------------------------------------------------------------------------------------------

def metadata(c):
    t = PREFIX + "-md"
    c.create_topic(t, 3)
    leaders, brokers, cluster_id = c.partitions(t)
    check_eq(3, len(leaders), "partitions of " + t)
    check(all(l is not None and l >= 0 for l in leaders.values()), "a partition has no leader: %r" % leaders)
    check(brokers >= 1, "no brokers in metadata")
    check(cluster_id, "no cluster id")


def topic_admin(c):
    t = PREFIX + "-adm"
    c.create_topic(t, 2, {"retention.ms": "3600000"})
    try:
        c.create_topic(t, 2)
        raise AssertionError("creating %s twice succeeded" % t)
    except AssertionError:
        raise
    except Exception as e:  # noqa: BLE001
        check(c.topic_exists_error(e), "second create: expected TOPIC_ALREADY_EXISTS, got %r" % e)
    check(t in c.list_topics(), "list_topics misses " + t)
    c.delete_topic(t)
    deadline = time.time() + WAIT
    while t in c.list_topics():
        check(time.time() < deadline, "deleted topic still listed")
        time.sleep(0.1)


def roundtrip(c):
    t = PREFIX + "-rt"
    c.create_topic(t, 1)
    base = int(time.time() * 1000) - 60000
    recs = []
    for i in range(30):
        key = None if i == 4 else ("key-%d" % i).encode()
        value = None if i == 5 else ("value-%d-%s" % (i, "x" * i)).encode()
        recs.append((0, key, value, [("h-index", str(i).encode()), ("h2", b"two")], base + i))
    offs = c.produce(t, recs)
    check_eq([(0, i) for i in range(30)], offs, "partitions and offsets")
    got = c.consume(t, 1, 30)
    check_eq(30, len(got), "records read")
    for i, (part, off, key, value, headers, ts) in enumerate(sorted(got, key=lambda r: r[1])):
        check_eq(i, off, "offset")
        check_eq(recs[i][1], key, "key of %d" % i)
        check_eq(recs[i][2], value, "value of %d" % i)
        check_eq([(k, v) for k, v in recs[i][3]], [(k, bytes(v)) for k, v in headers], "headers of %d" % i)
        check_eq(base + i, ts, "timestamp of %d" % i)


def compression(c):
    codecs = ["gzip", "snappy", "lz4", "zstd"]
    for codec in ["none"] + codecs:
        t = PREFIX + "-" + codec
        c.create_topic(t, 1)
        recs = [(0, b"k%d" % (i % 5), ("%s record %d %s" % (codec, i, "abc" * 20)).encode(), None, None)
                for i in range(100)]
        conf = {"compression_type": codec} if codec != "none" else {}
        if LIB == "confluent":
            conf = {"compression.codec": codec}
        try:
            c.produce(t, recs, **conf)
        except (ImportError, AssertionError, ValueError) as e:
            if LIB == "kafka-python" and "librar" in str(e).lower() or isinstance(e, ImportError):
                raise Skip("kafka-python has no %s codec here (apt-get install python3-snappy python3-lz4 "
                           "python3-zstandard): %s" % (codec, e))
            raise
        got = sorted(c.consume(t, 1, 100), key=lambda r: r[1])
        check_eq([r[2] for r in recs], [g[3] for g in got], codec + ": values in order")


def order_and_keys(c):
    t = PREFIX + "-ord"
    c.create_topic(t, 3)
    recs = [(None, ("key-%d" % (i % 10)).encode(), str(i).encode(), None, None) for i in range(150)]
    c.produce(t, recs)
    got = c.consume(t, 3, 150)
    check_eq(150, len(got), "records read")
    part_of_key, last = {}, {}
    for part, off, key, value, _, _ in sorted(got, key=lambda r: (r[0], r[1])):
        check(part_of_key.setdefault(key, part) == part, "%r in two partitions" % key)
        seq = int(value)
        check(last.get(part, -1) < seq, "partition %d out of order" % part)
        last[part] = seq
    check(len(set(part_of_key.values())) > 1, "10 keys all in one partition")


def consumer_group(c):
    t = PREFIX + "-grp"
    c.create_topic(t, 4)
    c.produce(t, [(i % 4, None, ("v%d" % i).encode(), None, None) for i in range(100)])
    got = c.consume(t, 4, 100, group=PREFIX + "-g")
    check_eq(100, len(set(g[3] for g in got)), "distinct records read by the group")
    check_eq(100, len(got), "records read by the group (duplicates?)")


def offset_commit_resume(c):
    t = PREFIX + "-ocr"
    c.create_topic(t, 1)
    c.produce(t, [(0, None, ("n%d" % i).encode(), None, None) for i in range(60)])
    g = PREFIX + "-g"
    first = c.consume(t, 1, 60, group=g, commit_after=20)
    check_eq(20, len(first), "records read before the commit")
    rest = c.consume(t, 1, 40, group=g)
    check_eq(40, len(rest), "records read after resuming")
    check_eq(20, rest[0][1], "first offset after resuming")
    check_eq(60, len(set(r[3] for r in first + rest)), "distinct records across the restart")


def pubsub_groups(c):
    t = PREFIX + "-ps"
    c.create_topic(t, 2)
    c.produce(t, [(i % 2, None, ("p%d" % i).encode(), None, None) for i in range(40)])
    for g in range(3):
        got = c.consume(t, 2, 40, group="%s-group%d" % (PREFIX, g))
        check_eq(40, len(set(r[3] for r in got)), "records read by group %d" % g)


def acks(c):
    t = PREFIX + "-acks"
    c.create_topic(t, 3)
    # acks=0 last: an acks=0 append that races the new topic's first leadership is lost without a word.
    for part, a in reversed(list(enumerate(["0", "1", "all"]))):
        conf = {"acks": a} if LIB == "confluent" else {"acks": 0 if a == "0" else (1 if a == "1" else "all")}
        c.produce(t, [(part, None, ("%s:%d" % (a, i)).encode(), None, None) for i in range(20)], **conf)
    got = sorted(c.consume(t, 3, 60), key=lambda r: (r[0], r[1]))
    check_eq(60, len(got), "records stored")
    for part, a in enumerate(["0", "1", "all"]):
        check_eq([("%s:%d" % (a, i)).encode() for i in range(20)], [g[3] for g in got if g[0] == part],
                 "records with acks=" + a)


def idempotence(c):
    if LIB != "confluent":
        raise Skip("kafka-python 2.0.2 has no idempotent producer")
    t = PREFIX + "-idem"
    c.create_topic(t, 1)
    offs = c.produce(t, [(0, None, ("i%d" % i).encode(), None, None) for i in range(200)],
                     **{"enable.idempotence": True})
    check_eq([(0, i) for i in range(200)], offs, "offsets of idempotent records")


def offsets_by_time(c):
    t = PREFIX + "-time"
    c.create_topic(t, 1)
    base = int(time.time() * 1000) - 3600000
    c.produce(t, [(0, None, b"t%d" % i, None, base + i * 1000) for i in range(10)])
    check_eq(3, c.offset_for_time(t, base + 2500), "offset for base+2.5s")
    check_eq(0, c.offset_for_time(t, base - 1), "offset before the first record")


def max_message_size(c):
    t = PREFIX + "-max"
    limit = 20000
    c.create_topic(t, 1, {"max.message.bytes": str(limit)})
    extra = {"message.max.bytes": 1000000} if LIB == "confluent" else {"max_request_size": 1000000}
    c.produce(t, [(0, None, b"a" * (limit - 200), None, None)], **extra)
    try:
        c.produce(t, [(0, None, b"b" * (limit + 1), None, None)], **extra)
        raise AssertionError("a record over max.message.bytes was accepted")
    except ProduceError as e:
        check(c.too_large(e), "expected MESSAGE_TOO_LARGE, got %s" % e)
    got = c.consume(t, 1, 1)
    check_eq(limit - 200, len(got[0][3]), "size of the record under the limit")


def transactions(c):
    """A transactional producer commits, aborts and commits again; read_committed sees the committed records only,
    once each, and read_uncommitted all of them. Then the committed output is copied in a consume-transform-produce
    transaction whose offsets go in with send_offsets_to_transaction."""
    if LIB != "confluent":
        raise Skip("kafka-python 2.0.2 has no transactional producer")
    ck = c.ck
    t = PREFIX + "-txn"
    out = PREFIX + "-txn-out"
    c.create_topic(t, 2)
    c.create_topic(out, 1)
    p = ck.Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": PREFIX + "-txn-id",
                     "message.timeout.ms": 20000})
    p.init_transactions(WAIT)
    expected = []
    for rnd, commit in enumerate([True, False, True]):
        p.begin_transaction()
        for i in range(10):
            v = ("%s%d-%d" % ("c" if commit else "a", rnd, i)).encode()
            p.produce(t, value=v, partition=i % 2)
            if commit:
                expected.append(v)
        p.flush(WAIT)
        if commit:
            p.commit_transaction(WAIT)
        else:
            p.abort_transaction(WAIT)

    def read(topic, partitions, n, isolation, group=None):
        conf = {"bootstrap.servers": BOOTSTRAP, "group.id": group or PREFIX + "-txn-reader-" + isolation,
                "auto.offset.reset": "earliest", "enable.auto.commit": False, "isolation.level": isolation}
        r = ck.Consumer(conf)
        try:
            if group is None:
                r.assign([ck.TopicPartition(topic, q, ck.OFFSET_BEGINNING) for q in range(partitions)])
            else:
                r.subscribe([topic])
            got = []
            deadline = time.time() + WAIT
            while len(got) < n and time.time() < deadline:
                m = r.poll(0.5)
                if m is None or (m.error() and m.error().code() == ck.KafkaError._PARTITION_EOF):
                    continue
                if m.error():
                    raise AssertionError("consumer error: %s" % m.error())
                got.append(m)
            return r, got
        except Exception:
            r.close()
            raise

    r, got = read(t, 2, 30, "read_committed")
    r.close()
    check_eq(sorted(expected), sorted(m.value() for m in got), "records read under read_committed")
    r, got = read(t, 2, 30, "read_uncommitted")
    r.close()
    check_eq(30, len(got), "records read under read_uncommitted")

    group = PREFIX + "-txn-ctp"
    r, got = read(t, 2, 20, "read_committed", group=group)
    try:
        p.begin_transaction()
        offsets = {}
        for m in got:
            p.produce(out, value=m.value().upper(), partition=0)
            offsets[m.partition()] = max(offsets.get(m.partition(), 0), m.offset() + 1)
        p.send_offsets_to_transaction([ck.TopicPartition(t, q, o) for q, o in offsets.items()],
                                      r.consumer_group_metadata(), WAIT)
        p.commit_transaction(WAIT)
        committed = r.committed([ck.TopicPartition(t, q) for q in offsets], WAIT)
        check_eq(sorted(offsets.items()), sorted((tp.partition, tp.offset) for tp in committed),
                 "offsets committed with the transaction")
    finally:
        r.close()
    r, copied = read(out, 1, 20, "read_committed")
    r.close()
    check_eq(sorted(v.upper() for v in expected), sorted(m.value() for m in copied), "copied records")


SCENARIOS = {
    "metadata": metadata, "topic-admin": topic_admin, "roundtrip": roundtrip, "compression": compression,
    "order-and-keys": order_and_keys, "consumer-group": consumer_group,
    "offset-commit-resume": offset_commit_resume, "pubsub-groups": pubsub_groups, "acks": acks,
    "idempotence": idempotence, "offsets-by-time": offsets_by_time, "max-message-size": max_message_size,
    "transactions": transactions,
}


def main():
    if SCENARIO not in SCENARIOS:
        print("no %s scenario %s" % (LIB, SCENARIO))
        return 77
    try:
        client = Confluent() if LIB == "confluent" else KafkaPython()
        SCENARIOS[SCENARIO](client)
        return 0
    except Skip as e:
        print(str(e))
        return 77
    except Exception as e:  # noqa: BLE001 - report any failure as the scenario's result
        print("%s: %s" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
