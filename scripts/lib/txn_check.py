#!/usr/bin/env python3
"""The checker of scripts/faults --workload txn (Python 3, standard library only), in the manner of Jepsen's Kafka
checkers: exactly-once through a transactional consume-transform-produce loop while nodes die.

    txn_check.py --input FILE --committed FILE --uncommitted FILE --copier FILE [--copier FILE ...]
    txn_check.py --self-test

--input        the input topic read back after the run (read_uncommitted): {"partition": P, "offset": O, "value": V}
               per line (bench/tools/ReadBack.java). Every record in it must be copied exactly once.
--committed    the output topic read back by a read_committed consumer: the same form; each value is
               "P:O:TXN:V" (input partition, input offset, the copier's transaction, input value; TxnCopy.java).
--uncommitted  the output topic read back by a read_uncommitted consumer (aborted records included).
--copier       what each copier printed: {"event": "commit"|"abort"|"error", "txn": NAME, ...} per line.

Asserts, and exits 1 on any violation (2 on unreadable input):
  lost             an input record has no copy in the committed output;
  duplicated       an input record is copied more than once in the committed output;
  aborted read     a read_committed consumer sees a record of a transaction its copier aborted;
  lost commit      a transaction whose commitTransaction returned has a record missing from the committed output;
  phantom          a committed output record names an input record that does not exist, or carries another value;
  reordered        in an output partition, the copies of one input partition are not in input offset order;
  partial          a transaction is partly visible to read_committed (some records of it, not all);
  nothing copied   no transaction committed: the run proves nothing.
Figures: transactions committed, aborted and of unknown outcome (a copier's step failed), records of aborted
transactions in the log (read_uncommitted sees them), input and output counts.
"""
import argparse
import sys
from collections import Counter, defaultdict

from faults_check import Result, read_jsonl  # the same directory: what both checkers share

KINDS = ("lost", "duplicated", "aborted read", "lost commit", "phantom", "reordered", "partial", "nothing copied")


def parse_copy(value):
    """(input partition, input offset, txn, input value) of an output value, or None when it is not one."""
    if value is None:
        return None
    parts = value.split(":", 3)
    if len(parts) != 4:
        return None
    try:
        return int(parts[0]), int(parts[1]), parts[2], parts[3]
    except ValueError:
        return None


def records(rows):
    return [r for r in rows if "partition" in r and "offset" in r]


def check(inputs, committed, uncommitted, copiers):
    """Checks a run; each argument is a list of parsed JSON objects (copiers: all copiers' lines). Returns a Result."""
    r = Result()
    source = {(x["partition"], x["offset"]): x.get("value") for x in records(inputs)}
    outcome = {}  # txn -> "commit" | "abort" | "error"
    sizes = {}
    for e in copiers:
        ev, txn = e.get("event"), e.get("txn")
        if ev in ("commit", "abort") and txn:
            outcome[txn] = ev
            sizes[txn] = e.get("records")
        elif ev == "error" and txn and txn not in outcome:
            outcome[txn] = "error"

    copies = defaultdict(list)  # (input partition, input offset) -> [(output partition, output offset, txn)]
    visible = Counter()  # txn -> records of it read_committed sees
    last_in = {}  # (output partition, input partition) -> last input offset
    for rec in records(committed):
        c = parse_copy(rec.get("value"))
        where = f"output partition {rec['partition']} offset {rec['offset']}"
        if c is None:
            r.violate("phantom", f"{where}: value {rec.get('value')!r} is no copy")
            continue
        ip, io, txn, v = c
        visible[txn] += 1
        if (ip, io) not in source:
            r.violate("phantom", f"{where}: copy of input partition {ip} offset {io}, which is not in the input")
        elif source[(ip, io)] != v:
            r.violate("phantom", f"{where}: copy of input {ip}/{io} carries {v!r}, the input {source[(ip, io)]!r}")
        copies[(ip, io)].append((rec["partition"], rec["offset"], txn))
        if outcome.get(txn) == "abort":
            r.violate("aborted read", f"{where}: read_committed sees input {ip}/{io} of aborted transaction {txn}")
        key = (rec["partition"], ip)
        if key in last_in and io < last_in[key]:  # the same offset again is a duplicate, counted below
            r.violate("reordered", f"{where}: input {ip}/{io} after input offset {last_in[key]}")
        last_in[key] = io

    for pos in sorted(source):
        n = len(copies.get(pos, ()))
        if n == 0:
            r.violate("lost", f"input partition {pos[0]} offset {pos[1]} (value {source[pos]!r}) was never copied")
        elif n > 1:
            r.violate("duplicated", f"input partition {pos[0]} offset {pos[1]} copied {n} times: {copies[pos]}")

    in_log = Counter()  # txn -> records of it in the log (read_uncommitted)
    for rec in records(uncommitted):
        c = parse_copy(rec.get("value"))
        if c is not None:
            in_log[c[2]] += 1
    for txn, state in outcome.items():
        if state == "commit" and visible[txn] != sizes.get(txn):
            r.violate("lost commit", f"transaction {txn} committed {sizes.get(txn)} records; read_committed sees "
                                     f"{visible[txn]}")
    for txn, n in visible.items():
        if outcome.get(txn) != "commit" and n != in_log[txn]:
            r.violate("partial", f"transaction {txn} ({outcome.get(txn, 'no outcome printed')}): read_committed "
                                 f"sees {n} of its {in_log[txn]} records in the log")
    states = Counter(outcome.values())
    if not states["commit"]:
        r.violate("nothing copied", "no transaction committed: the run proves nothing")
    r.figures = {
        "input": len(source), "committed output": len(records(committed)),
        "log output": len(records(uncommitted)),
        "committed": states["commit"], "aborted": states["abort"], "unknown": states["error"],
        "aborted in log": sum(n for txn, n in in_log.items() if outcome.get(txn) == "abort"),
        "unknown visible": sum(1 for txn in visible if outcome.get(txn) == "error"),
    }
    return r


def report(r, out=sys.stdout):
    f = r.figures
    print(f"txn: input {f.get('input')} records, committed output {f.get('committed output')}, output log "
          f"{f.get('log output')} (read_uncommitted)", file=out)
    print(f"txn: transactions committed {f.get('committed')}, aborted {f.get('aborted')} ({f.get('aborted in log')} "
          f"of their records in the log, hidden from read_committed), of unknown outcome {f.get('unknown')} "
          f"({f.get('unknown visible')} of them committed)", file=out)
    for kind in KINDS:
        print(f"txn: {kind}: {r.counts.get(kind, 0)}", file=out)
    for kind, examples in r.violations.items():
        for ex in examples:
            print(f"txn: VIOLATION {kind}: {ex}", file=out)
    print("txn: PASSED" if r.ok else f"txn: FAILED ({sum(r.counts.values())} violations)", file=out)


# ------------------------------------------------------------------------------------------------ self-test

def _in(p, o, v):
    return {"partition": p, "offset": o, "value": str(v)}


def _out(p, o, ip, io, txn, v):
    return {"partition": p, "offset": o, "value": f"{ip}:{io}:{txn}:{v}"}


def self_test():
    import unittest

    class TxnCheckerTest(unittest.TestCase):
        def setUp(self):
            # Four input records over two partitions. Transaction c-1 (inputs 0/0, 0/1) is aborted, c-2 copies
            # them again and commits, c-3 copies partition 1 and commits.
            self.inputs = [_in(0, 0, "a"), _in(0, 1, "b"), _in(1, 0, "c"), _in(1, 1, "d")]
            self.log = [_out(0, 0, 0, 0, "c-1", "a"), _out(0, 1, 0, 1, "c-1", "b"),
                        _out(0, 3, 0, 0, "c-2", "a"), _out(0, 4, 0, 1, "c-2", "b"),
                        _out(1, 0, 1, 0, "c-3", "c"), _out(1, 1, 1, 1, "c-3", "d")]
            self.committed = self.log[2:]
            self.copier = [{"event": "abort", "txn": "c-1", "records": 2},
                           {"event": "commit", "txn": "c-2", "records": 2},
                           {"event": "commit", "txn": "c-3", "records": 2}]

        def run_check(self, **kw):
            return check(kw.pop("inputs", self.inputs), kw.pop("committed", self.committed),
                         kw.pop("log", self.log), kw.pop("copier", self.copier))

        def assert_only(self, r, kind, n=1):
            self.assertEqual({kind: n}, dict(r.counts), dict(r.violations))

        def test_clean_run_passes(self):
            r = self.run_check()
            self.assertTrue(r.ok, dict(r.violations))
            self.assertEqual(2, r.figures["committed"])
            self.assertEqual(1, r.figures["aborted"])
            self.assertEqual(2, r.figures["aborted in log"])

        def test_lost(self):
            self.assert_only(self.run_check(committed=self.committed[:2], copier=self.copier[:2]), "lost", 2)

        def test_duplicated(self):
            extra = _out(1, 2, 1, 1, "c-4", "d")
            r = self.run_check(committed=self.committed + [extra], log=self.log + [extra],
                               copier=self.copier + [{"event": "commit", "txn": "c-4", "records": 1}])
            self.assert_only(r, "duplicated")

        def test_aborted_read(self):
            # read_committed sees the aborted copy of 0/0 (and so 0/0 twice).
            r = self.run_check(committed=[self.log[0]] + self.committed)
            self.assertEqual(1, r.counts["aborted read"])
            self.assertEqual(1, r.counts["duplicated"])

        def test_lost_commit(self):
            # c-3 returned from commitTransaction, but only one of its records is visible; input 1/1 is lost too.
            r = self.run_check(committed=self.committed[:3])
            self.assertEqual(1, r.counts["lost commit"])
            self.assertEqual(1, r.counts["lost"])

        def test_unknown_outcome_may_commit_or_not(self):
            copier = self.copier[:2] + [{"event": "error", "txn": "c-3", "error": "TimeoutException"}]
            self.assertTrue(self.run_check(copier=copier).ok)
            retried = [_out(1, 2, 1, 0, "c-4", "c"), _out(1, 3, 1, 1, "c-4", "d")]
            r = self.run_check(committed=self.committed[:2] + retried, log=self.log[:4] + retried,
                               copier=self.copier[:2] + [{"event": "error", "txn": "c-3"},
                                                         {"event": "commit", "txn": "c-4", "records": 2}])
            self.assertTrue(r.ok, dict(r.violations))

        def test_partial(self):
            copier = self.copier[:2] + [{"event": "error", "txn": "c-3"}]
            self.assertEqual(1, self.run_check(committed=self.committed[:3], copier=copier).counts["partial"])

        def test_phantom(self):
            wrong = _out(1, 0, 1, 0, "c-3", "z")
            r = self.run_check(committed=self.committed[:2] + [wrong, self.committed[3]],
                               log=self.log[:4] + [wrong, self.log[5]])
            self.assert_only(r, "phantom")
            r = self.run_check(committed=self.committed + [{"partition": 1, "offset": 9, "value": "junk"}])
            self.assert_only(r, "phantom")

        def test_reordered(self):
            swapped = [_out(1, 0, 1, 1, "c-3", "d"), _out(1, 1, 1, 0, "c-3", "c")]
            r = self.run_check(committed=self.committed[:2] + swapped, log=self.log[:4] + swapped)
            self.assert_only(r, "reordered")

        def test_nothing_copied(self):
            r = check(self.inputs[:0], [], [], [])
            self.assert_only(r, "nothing copied")

        def test_report_names_every_kind(self):
            import io
            buf = io.StringIO()
            report(self.run_check(committed=self.committed[:2], copier=self.copier[:2]), buf)
            text = buf.getvalue()
            for kind in KINDS:
                self.assertIn(f"txn: {kind}: ", text)
            self.assertIn("txn: FAILED (2 violations)", text)

    suite = unittest.TestLoader().loadTestsFromTestCase(TxnCheckerTest)
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description="Checks a scripts/faults --workload txn run.")
    ap.add_argument("--input")
    ap.add_argument("--committed")
    ap.add_argument("--uncommitted")
    ap.add_argument("--copier", action="append", default=[])
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()
    if not (a.input and a.committed and a.uncommitted and a.copier):
        ap.error("--input, --committed, --uncommitted and --copier are required")
    try:
        inputs = read_jsonl(a.input)
        committed = read_jsonl(a.committed)
        uncommitted = read_jsonl(a.uncommitted)
        copiers = [e for path in a.copier for e in read_jsonl(path)]
    except OSError as e:
        print(f"txn: cannot read input: {e}", file=sys.stderr)
        return 2
    r = check(inputs, committed, uncommitted, copiers)
    report(r)
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
