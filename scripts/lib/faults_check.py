#!/usr/bin/env python3
"""The checker of scripts/faults (Python 3, standard library only).

    faults_check.py --producer FILE --read FILE [--live FILE] [--events FILE] [--max-stall-ms N]
    faults_check.py --self-test    (also tests kafka_metadata.py's request and parser on crafted bytes)

--producer  what Kafka's VerifiableProducer printed: one JSON object per line; producer_send_success carries the
            value, partition and offset the broker acknowledged, producer_send_error a send that failed, tool_data
            how many records the producer sent.
--read      the log as read back after the faults, from the beginning to the end of every partition: one JSON
            object per line, {"partition": P, "offset": O, "value": V} (bench/tools/ReadBack.java).
--live      optional: the same, read by a consumer while the faults ran.
--events    optional: the fault schedule, one JSON object per line, {"t": epoch ms, "event": "kill"|"stop"|
            "start"|"healed"|..., "nodes": [...]}; each kill or stop gives a stall figure.

Asserts, and exits 1 on any violation (exit 2 on unreadable input):
  lost        an acknowledged record is not in the log read back;
  duplicated  a value is in the log read back more than once;
  misplaced   an acknowledged record is read back at another partition or offset than the one acknowledged,
              or two different values were acknowledged at the same partition and offset;
  phantom     a record read back that the producer never sent;
  reordered   offsets read back (or acknowledged) in one partition do not increase;
  rolled back a record the live consumer read is not at that offset in the final log (it saw data that was
              later lost or replaced: the high watermark went back).
Measures, for each kill or stop: the stall, the longest time a partition went without an acknowledgement across or
after the fault and before the next one (ms; the figure of issue 12's "< 3 s" target), and the longest of them. --max-stall-ms makes a longer stall a
violation too.
"""
import argparse
import json
import sys
from collections import Counter, defaultdict

FAULT_EVENTS = ("kill", "stop")


def read_jsonl(path):
    """The JSON objects of a file, one per line; other lines (a tool's log output) are skipped."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


class Result:
    def __init__(self):
        self.violations = defaultdict(list)  # kind -> examples (strings)
        self.counts = Counter()  # kind -> number
        self.figures = {}
        self.stalls = []  # (event, ms, partition, bounded)

    def violate(self, kind, example):
        self.counts[kind] += 1
        if len(self.violations[kind]) < 5:
            self.violations[kind].append(example)

    @property
    def ok(self):
        return not self.counts


def check(producer, read, live=None, events=None, max_stall_ms=None):
    """Checks the runs's records; each argument is a list of parsed JSON objects. Returns a Result."""
    r = Result()
    acked = {}  # value -> (partition, offset, timestamp)
    ack_at = {}  # (partition, offset) -> value
    acks_by_partition = defaultdict(list)  # partition -> [(timestamp, offset)] in arrival order
    attempted = set()
    errors = Counter()
    sent_count = None
    for e in producer:
        name = e.get("name")
        if name == "producer_send_success":
            value, pos = e["value"], (e["partition"], e["offset"])
            attempted.add(value)
            if value in acked and acked[value][:2] != pos:
                r.violate("misplaced", f"value {value} acknowledged at {acked[value][:2]} and at {pos}")
            acked[value] = (pos[0], pos[1], e.get("timestamp", 0))
            if pos in ack_at and ack_at[pos] != value:
                r.violate("misplaced", f"partition {pos[0]} offset {pos[1]} acknowledged for values "
                                       f"{ack_at[pos]} and {value}")
            ack_at[pos] = value
            acks_by_partition[pos[0]].append((e.get("timestamp", 0), pos[1]))
        elif name == "producer_send_error":
            attempted.add(e.get("value"))
            errors[e.get("exception", "?")] += 1
        elif name == "tool_data":
            sent_count = e.get("sent")
    if sent_count is not None:
        attempted.update(str(i) for i in range(sent_count))

    if not acked:
        r.violate("nothing acknowledged", "the producer had no record acknowledged: the run proves nothing")
    for p, acks in acks_by_partition.items():
        for (_, a), (_, b) in zip(acks, acks[1:]):
            if b <= a:
                r.violate("reordered", f"partition {p}: offset {b} acknowledged after offset {a}")

    final = {}  # (partition, offset) -> value
    seen = defaultdict(list)  # value -> [(partition, offset)]
    last = {}
    for rec in read:
        if "partition" not in rec:
            continue
        p, o, v = rec["partition"], rec["offset"], rec.get("value")
        if p in last and o <= last[p]:
            r.violate("reordered", f"partition {p}: offset {o} read after offset {last[p]}")
        last[p] = o
        final[(p, o)] = v
        seen[v].append((p, o))
    for v, places in seen.items():
        if len(places) > 1:
            r.violate("duplicated", f"value {v} read at {places}")
        if v not in attempted:
            r.violate("phantom", f"value {v} read at {places[0]} was never sent")
    for v, (p, o, _) in acked.items():
        places = seen.get(v)
        if not places:
            r.violate("lost", f"value {v} acknowledged at partition {p} offset {o} is not in the log")
        elif (p, o) not in places:
            r.violate("misplaced", f"value {v} acknowledged at partition {p} offset {o}, read at {places}")

    live_count = 0
    if live:
        end = defaultdict(lambda: -1)
        for (p, o) in final:
            end[p] = max(end[p], o)
        last = {}
        for rec in live:
            if rec.get("event") == "out_of_range":
                r.violate("rolled back", f"live read: partition {rec['partition']} offset {rec['offset']} is "
                                         f"beyond the log's end (the log went back below what was read)")
                continue
            if "partition" not in rec:
                continue
            live_count += 1
            p, o, v = rec["partition"], rec["offset"], rec.get("value")
            if p in last and o <= last[p]:
                r.violate("reordered", f"live read, partition {p}: offset {o} read after offset {last[p]}")
            last[p] = o
            if final.get((p, o), None) != v:
                now = final.get((p, o), "nothing")
                r.violate("rolled back", f"live read value {v} at partition {p} offset {o}; the log holds {now}")

    # The stall after a fault: per partition, the longest gap between two acknowledgements that reaches past the
    # fault and starts before the next fault; the worst partition's. A partition whose last acknowledgement comes
    # before the next fault stalls from it until the run's end (not bounded).
    faults = sorted((ev for ev in events or [] if ev.get("event") in FAULT_EVENTS), key=lambda ev: ev["t"])
    times = {p: sorted(ts for ts, _ in acks) for p, acks in acks_by_partition.items()}
    run_end = max([e.get("timestamp", 0) for e in producer] + [ev["t"] for ev in events or []] + [0])
    for i, ev in enumerate(faults):
        t = ev["t"]
        until = faults[i + 1]["t"] if i + 1 < len(faults) else float("inf")
        worst, worst_p, bounded = 0, None, True
        for p, ts in sorted(times.items()):
            gaps = [(b - a, True) for a, b in zip(ts, ts[1:]) if b > t and a < until]
            if not ts or ts[-1] < until:
                gaps.append((run_end - (ts[-1] if ts else t), False))
            for gap, fine in gaps:
                if gap > worst or worst_p is None:
                    worst, worst_p, bounded = gap, p, fine
        r.stalls.append((ev, worst, worst_p, bounded))
        if max_stall_ms is not None and worst > max_stall_ms:
            r.violate("stall", f"{ev.get('event')} of node(s) {ev.get('nodes')} at {t}: {worst} ms")

    r.figures = {
        "acknowledged": len(acked),
        "send errors": sum(errors.values()),
        "sent": sent_count if sent_count is not None else len(attempted),
        "read back": len(final),
        "read live": live_count,
        "partitions": len({p for p, _ in final} | set(acks_by_partition)),
    }
    r.errors = errors
    return r


def report(r, out=sys.stdout):
    f = r.figures
    print(f"faults: sent {f['sent']}, acknowledged {f['acknowledged']}, send errors {f['send errors']}, "
          f"read back {f['read back']} in {f['partitions']} partitions, read live {f['read live']}", file=out)
    for exc, n in r.errors.most_common():
        print(f"faults:   send error {exc}: {n}", file=out)
    for kind in ("lost", "duplicated", "misplaced", "phantom", "reordered", "rolled back"):
        print(f"faults: {kind}: {r.counts.get(kind, 0)}", file=out)
    for ev, ms, p, bounded in r.stalls:
        nodes = ",".join(str(n) for n in ev.get("nodes", []))
        tail = "" if bounded else " (no acknowledgement after it until the run's end)"
        print(f"faults: stall after {ev.get('event')} of node {nodes}: {ms} ms (partition {p}){tail}", file=out)
    if r.stalls:
        print(f"faults: longest stall: {max(ms for _, ms, _, _ in r.stalls)} ms over {len(r.stalls)} faults",
              file=out)
    for kind, examples in r.violations.items():
        for ex in examples:
            print(f"faults: VIOLATION {kind}: {ex}", file=out)
    print("faults: PASSED" if r.ok else f"faults: FAILED ({sum(r.counts.values())} violations)", file=out)


# ------------------------------------------------------------------------------------------------ self-test

def _ack(v, p, o, ts=0):
    return {"name": "producer_send_success", "value": str(v), "partition": p, "offset": o, "timestamp": ts}


def _rec(v, p, o):
    return {"partition": p, "offset": o, "value": str(v)}


def _metadata_module():
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kafka_metadata.py")
    spec = importlib.util.spec_from_file_location("kafka_metadata", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def self_test():
    import unittest

    class CheckerTest(unittest.TestCase):
        def setUp(self):
            # Six records over two partitions, all acknowledged, all read back in place.
            self.producer = [_ack(0, 0, 0, 1000), _ack(1, 1, 0, 1010), _ack(2, 0, 1, 1020),
                             _ack(3, 1, 1, 1030), _ack(4, 0, 2, 5000), _ack(5, 1, 2, 2000),
                             {"name": "tool_data", "sent": 6, "acked": 6}]
            self.read = [_rec(0, 0, 0), _rec(2, 0, 1), _rec(4, 0, 2), _rec(1, 1, 0), _rec(3, 1, 1), _rec(5, 1, 2)]

        def run_check(self, **kw):
            return check(kw.pop("producer", self.producer), kw.pop("read", self.read), **kw)

        def test_clean_run_passes(self):
            r = self.run_check()
            self.assertTrue(r.ok, dict(r.counts))
            self.assertEqual(6, r.figures["acknowledged"])
            self.assertEqual(6, r.figures["read back"])

        def test_nothing_acknowledged(self):
            r = check([{"name": "producer_send_error", "value": "0", "exception": "TimeoutException"}], [])
            self.assertEqual({"nothing acknowledged": 1}, dict(r.counts))

        def test_lost(self):
            r = self.run_check(read=[x for x in self.read if x["value"] != "3"])
            self.assertEqual({"lost": 1}, dict(r.counts))

        def test_unacknowledged_record_may_be_missing(self):
            producer = self.producer[:5] + [{"name": "producer_send_error", "value": "5",
                                             "exception": "NotEnoughReplicasException"}, self.producer[6]]
            r = self.run_check(producer=producer, read=self.read[:5])
            self.assertTrue(r.ok, dict(r.counts))
            self.assertEqual(1, r.errors["NotEnoughReplicasException"])

        def test_unacknowledged_record_may_be_present_once(self):
            producer = [a for a in self.producer if a.get("value") != "5"]
            self.assertTrue(self.run_check(producer=producer).ok)

        def test_duplicate(self):
            r = self.run_check(read=self.read + [_rec(5, 1, 3)])
            self.assertEqual({"duplicated": 1}, dict(r.counts))

        def test_duplicate_of_an_unacknowledged_record(self):
            producer = [a for a in self.producer if a.get("value") != "5"]
            r = self.run_check(producer=producer, read=self.read + [_rec(5, 1, 3)])
            self.assertEqual({"duplicated": 1}, dict(r.counts))

        def test_misplaced_offset(self):
            read = self.read[:4] + [_rec(3, 1, 2), _rec(5, 1, 3)]
            r = self.run_check(read=read)
            self.assertEqual({"misplaced": 2}, dict(r.counts))

        def test_misplaced_partition(self):
            read = [_rec(0, 0, 0), _rec(2, 0, 1), _rec(4, 0, 2), _rec(1, 0, 3), _rec(3, 1, 1), _rec(5, 1, 2)]
            self.assertEqual({"misplaced": 1}, dict(self.run_check(read=read).counts))

        def test_two_values_acknowledged_at_one_offset(self):
            # A new leader without the data hands out offset 2 again: value 4 is lost, and the offsets acknowledged
            # in partition 0 go back.
            producer = self.producer[:6] + [_ack(6, 0, 2, 6000), {"name": "tool_data", "sent": 7}]
            read = self.read[:2] + [_rec(6, 0, 2)] + self.read[3:]
            r = self.run_check(producer=producer, read=read)
            self.assertEqual({"misplaced": 1, "lost": 1, "reordered": 1}, dict(r.counts))

        def test_phantom(self):
            r = self.run_check(read=self.read + [_rec(99, 1, 3)])
            self.assertEqual({"phantom": 1}, dict(r.counts))

        def test_reordered_read(self):
            read = [_rec(0, 0, 0), _rec(4, 0, 2), _rec(2, 0, 1)] + self.read[3:]
            self.assertEqual({"reordered": 1}, dict(self.run_check(read=read).counts))

        def test_reordered_acknowledgements(self):
            producer = [self.producer[2], self.producer[0]] + self.producer[1:2] + self.producer[3:]
            self.assertEqual({"reordered": 1}, dict(self.run_check(producer=producer).counts))

        def test_live_read_rolled_back(self):
            live = [_rec(0, 0, 0), _rec(2, 0, 1), _rec(7, 0, 3)]
            r = self.run_check(live=live)
            self.assertEqual({"rolled back": 1}, dict(r.counts))
            self.assertEqual(3, r.figures["read live"])

        def test_live_read_out_of_range(self):
            live = [_rec(0, 0, 0), {"event": "out_of_range", "partition": 0, "offset": 9}]
            self.assertEqual({"rolled back": 1}, dict(self.run_check(live=live).counts))

        def test_live_read_reordered(self):
            live = [_rec(2, 0, 1), _rec(0, 0, 0)]
            self.assertEqual({"reordered": 1}, dict(self.run_check(live=live).counts))

        def test_stall_after_kill(self):
            events = [{"t": 1025, "event": "kill", "nodes": [2]}, {"t": 1500, "event": "start", "nodes": [2]}]
            r = self.run_check(events=events)
            self.assertTrue(r.ok)
            # Partition 0 acknowledges at 1020 and then only at 5000; partition 1's longest gap is 970 ms.
            self.assertEqual([(3980, 0, True)], [(ms, p, b) for _, ms, p, b in r.stalls])
            r = self.run_check(events=events, max_stall_ms=3000)
            self.assertEqual({"stall": 1}, dict(r.counts))

        def test_stall_ends_at_the_next_fault(self):
            events = [{"t": 1025, "event": "kill", "nodes": [2]}, {"t": 1500, "event": "kill", "nodes": [3]}]
            stalls = [(ms, p) for _, ms, p, _ in self.run_check(events=events).stalls]
            # The 1020-5000 gap of partition 0 reaches past both kills and starts before each.
            self.assertEqual([(3980, 0), (3980, 0)], stalls)
            events = [{"t": 1015, "event": "kill"}, {"t": 1018, "event": "kill"}]
            self.assertEqual([20, 3980], [ms for _, ms, _, _ in self.run_check(events=events).stalls])

        def test_no_acknowledgement_after_kill(self):
            r = self.run_check(events=[{"t": 5500, "event": "kill", "nodes": [1]}])
            # Partition 1 last acknowledged at 2000; the run ends at the kill (5500).
            self.assertEqual([(3500, 1, False)], [(ms, p, b) for _, ms, p, b in r.stalls])
            # Acknowledgements that arrive just after the kill (answered before it) do not end the stall.
            r = self.run_check(events=[{"t": 1990, "event": "kill"}, {"t": 9000, "event": "start"}])
            self.assertEqual([(7000, 1, False)], [(ms, p, b) for _, ms, p, b in r.stalls])
            self.assertEqual({"stall": 1}, dict(self.run_check(events=[{"t": 5500, "event": "kill"}],
                                                               max_stall_ms=3000).counts))
            self.assertTrue(self.run_check(events=[{"t": 5500, "event": "kill"}], max_stall_ms=4000).ok)

        def test_report_names_every_violation(self):
            import io
            r = self.run_check(read=self.read[1:] + [_rec(99, 1, 3)])
            out = io.StringIO()
            report(r, out)
            text = out.getvalue()
            self.assertIn("faults: lost: 1", text)
            self.assertIn("faults: phantom: 1", text)
            self.assertIn("VIOLATION lost: value 0", text)
            self.assertTrue(text.rstrip().endswith("FAILED (2 violations)"))

    class MetadataClientTest(unittest.TestCase):
        """kafka_metadata.py, which the fault loop asks who leads a partition, on crafted bytes."""

        def test_request_is_metadata_v4_without_auto_creation(self):
            import struct
            km = _metadata_module()
            req = km.encode_request("faults")
            self.assertEqual(len(req) - 4, struct.unpack(">i", req[:4])[0])
            self.assertEqual((3, 4, 1), struct.unpack(">hhi", req[4:12]))
            self.assertTrue(req.endswith(b"\x00\x06faults\x00"))

        def test_response(self):
            import struct
            km = _metadata_module()

            def s(x):
                return struct.pack(">h", -1) if x is None else struct.pack(">h", len(x)) + x.encode()

            def ints(xs):
                return struct.pack(">i", len(xs)) + b"".join(struct.pack(">i", x) for x in xs)

            data = struct.pack(">ii", 1, 0) + struct.pack(">i", 2)
            data += struct.pack(">i", 1) + s("127.0.0.1") + struct.pack(">i", 9092) + s(None)
            data += struct.pack(">i", 2) + s("127.0.0.1") + struct.pack(">i", 9094) + s("r1")
            data += s("cluster") + struct.pack(">i", 1) + struct.pack(">i", 2)
            data += struct.pack(">h", 0) + s("other") + struct.pack(">?", False) + struct.pack(">i", 1)
            data += struct.pack(">hii", 0, 0, 1) + ints([1]) + ints([1])
            data += struct.pack(">h", 0) + s("faults") + struct.pack(">?", False) + struct.pack(">i", 2)
            data += struct.pack(">hii", 0, 0, 2) + ints([2, 1, 3]) + ints([2, 3])
            data += struct.pack(">hii", 5, 1, -1) + ints([1, 2, 3]) + ints([])
            self.assertEqual({0: (2, [2, 1, 3], [2, 3]), 1: (-1, [1, 2, 3], [])}, km.parse_response(data, "faults"))

    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite([loader.loadTestsFromTestCase(CheckerTest),
                                loader.loadTestsFromTestCase(MetadataClientTest)])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    print(f"{result.testsRun - len(result.failures) - len(result.errors)} passed, "
          f"{len(result.failures) + len(result.errors)} failed")
    return 0 if result.wasSuccessful() else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description="Checks a scripts/faults run.")
    ap.add_argument("--producer")
    ap.add_argument("--read")
    ap.add_argument("--live")
    ap.add_argument("--events")
    ap.add_argument("--max-stall-ms", type=int)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()
    if not a.producer or not a.read:
        ap.error("--producer and --read are required")
    try:
        producer = read_jsonl(a.producer)
        read = read_jsonl(a.read)
        live = read_jsonl(a.live) if a.live else None
        events = read_jsonl(a.events) if a.events else None
    except OSError as e:
        print(f"faults: cannot read input: {e}", file=sys.stderr)
        return 2
    r = check(producer, read, live, events, a.max_stall_ms)
    report(r)
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
