// Compatibility scenarios for kafkajs (run by io.samsa.compat.ScriptClient).
//   node scenarios.js SCENARIO BOOTSTRAP PREFIX
// Exit 0: passed. Exit 77: skipped (the last line says why). Anything else: failed (the last line says why).
'use strict';
const path = require('path');
const { Kafka, logLevel, CompressionTypes } = require(path.join(__dirname, 'node_modules', 'kafkajs'));

const [scenario, bootstrap, prefix] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: prefix, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING,
  requestTimeout: 10000, connectionTimeout: 5000, retry: { retries: 3 },
});
const WAIT = 20000;

class Skip extends Error {}
function check(cond, msg) { if (!cond) throw new Error(msg); }
function eq(expected, actual, what) {
  const e = JSON.stringify(expected), a = JSON.stringify(actual);
  if (e !== a) throw new Error(`${what}: expected ${e} but was ${a}`);
}

async function withAdmin(fn) {
  const admin = kafka.admin();
  await admin.connect();
  try { return await fn(admin); } finally { await admin.disconnect(); }
}

async function createTopic(topic, numPartitions, configEntries = []) {
  await withAdmin(async (admin) => {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }],
      waitForLeaders: true, timeout: WAIT });
    check(created, `createTopics(${topic}) returned false`);
  });
}

async function produce(topic, messages, opts = {}) {
  const producer = kafka.producer({ idempotent: !!opts.idempotent, maxInFlightRequests: opts.idempotent ? 1 : undefined,
    allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await producer.send({ topic, messages, acks: opts.acks === undefined ? -1 : opts.acks,
      compression: opts.compression || CompressionTypes.None, timeout: WAIT });
  } finally { await producer.disconnect(); }
}

async function consume(topic, n, groupId, opts = {}) {
  const consumer = kafka.consumer({ groupId: groupId || `${prefix}-reader`, sessionTimeout: 10000,
    heartbeatInterval: 500, rebalanceTimeout: 10000, readUncommitted: !!opts.readUncommitted });
  await consumer.connect();
  const out = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${n} records from ${topic}`)), WAIT);
      consumer.run({
        autoCommit: !!opts.autoCommit,
        eachMessage: async ({ partition, message }) => {
          if (out.length >= n) return;
          out.push({ partition, offset: Number(message.offset), key: message.key && message.key.toString(),
            value: message.value && message.value.toString(), headers: message.headers,
            timestamp: Number(message.timestamp) });
          if (opts.commitAfter && out.length === opts.commitAfter) {
            await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
          }
          if (out.length >= n) { clearTimeout(timer); resolve(); }
        },
      }).catch(reject);
    });
  } finally { await consumer.disconnect(); }
  return out;
}

const scenarios = {
  async metadata() {
    const topic = `${prefix}-md`;
    await createTopic(topic, 3);
    await withAdmin(async (admin) => {
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      eq(3, md.topics[0].partitions.length, 'partitions');
      check(md.topics[0].partitions.every((p) => p.leader >= 0), 'a partition has no leader');
      const cluster = await admin.describeCluster();
      check(cluster.brokers.length >= 1 && cluster.clusterId, 'describeCluster');
    });
  },
  async 'topic-admin'() {
    const topic = `${prefix}-adm`;
    await createTopic(topic, 2, [{ name: 'retention.ms', value: '3600000' }]);
    await withAdmin(async (admin) => {
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], validateOnly: false });
      } catch (e) {
        check(String(e.type || e.message).includes('TOPIC_ALREADY_EXISTS') || /exists/i.test(e.message),
          `second create: ${e.message}`);
      }
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      eq(4, md.topics[0].partitions.length, 'partitions after createPartitions');
      await admin.deleteTopics({ topics: [topic], timeout: WAIT });
      const deadline = Date.now() + WAIT;
      while ((await admin.listTopics()).includes(topic)) {
        check(Date.now() < deadline, 'deleted topic still listed');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  },
  async roundtrip() {
    const topic = `${prefix}-rt`;
    await createTopic(topic, 1);
    const base = Date.now() - 60000;
    const msgs = [];
    for (let i = 0; i < 30; i++) {
      msgs.push({ partition: 0, key: `key-${i}`, value: `value-${i}-${'x'.repeat(i)}`, headers: { 'h-index': `${i}` },
        timestamp: String(base + i) });
    }
    const res = await produce(topic, msgs);
    eq(0, Number(res[0].baseOffset), 'base offset');
    const got = (await consume(topic, 30)).sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < 30; i++) {
      eq(i, got[i].offset, 'offset');
      eq(msgs[i].key, got[i].key, `key of ${i}`);
      eq(msgs[i].value, got[i].value, `value of ${i}`);
      eq(`${i}`, got[i].headers['h-index'].toString(), `header of ${i}`);
      eq(base + i, got[i].timestamp, `timestamp of ${i}`);
    }
  },
  async compression() {
    // kafkajs ships gzip only; snappy, lz4 and zstd need third-party codec packages.
    for (const [name, type] of [['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP]]) {
      const topic = `${prefix}-${name}`;
      await createTopic(topic, 1);
      const msgs = Array.from({ length: 100 }, (_, i) => ({ partition: 0, value: `${name} ${i} ${'abc'.repeat(20)}` }));
      await produce(topic, msgs, { compression: type });
      const got = (await consume(topic, 100)).sort((a, b) => a.offset - b.offset);
      eq(msgs.map((m) => m.value), got.map((g) => g.value), `${name} values`);
    }
  },
  async 'order-and-keys'() {
    const topic = `${prefix}-ord`;
    await createTopic(topic, 3);
    await produce(topic, Array.from({ length: 150 }, (_, i) => ({ key: `key-${i % 10}`, value: `${i}` })));
    const got = await consume(topic, 150);
    const partOfKey = {}, last = {};
    for (const r of got.sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      check((partOfKey[r.key] ??= r.partition) === r.partition, `${r.key} in two partitions`);
      check((last[r.partition] ?? -1) < Number(r.value), `partition ${r.partition} out of order`);
      last[r.partition] = Number(r.value);
    }
  },
  async 'consumer-group'() {
    const topic = `${prefix}-grp`;
    await createTopic(topic, 4);
    await produce(topic, Array.from({ length: 100 }, (_, i) => ({ partition: i % 4, value: `v${i}` })));
    const got = await consume(topic, 100, `${prefix}-g`);
    eq(100, new Set(got.map((g) => g.value)).size, 'distinct records read by the group');
  },
  async 'offset-commit-resume'() {
    const topic = `${prefix}-ocr`;
    const group = `${prefix}-g`;
    await createTopic(topic, 1);
    await produce(topic, Array.from({ length: 60 }, (_, i) => ({ partition: 0, value: `n${i}` })));
    await consume(topic, 20, group, { commitAfter: 20 });
    await withAdmin(async (admin) => {
      const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      eq('20', offs[0].partitions[0].offset, 'committed offset');
    });
    const rest = await consume(topic, 40, group);
    eq(20, Math.min(...rest.map((r) => r.offset)), 'first offset after resuming');
  },
  async 'pubsub-groups'() {
    const topic = `${prefix}-ps`;
    await createTopic(topic, 2);
    await produce(topic, Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: `p${i}` })));
    for (let g = 0; g < 3; g++) {
      const got = await consume(topic, 40, `${prefix}-group${g}`);
      eq(40, new Set(got.map((r) => r.value)).size, `records read by group ${g}`);
    }
  },
  async acks() {
    const topic = `${prefix}-acks`;
    await createTopic(topic, 3);
    const settings = [0, 1, -1];
    for (let p = 0; p < 3; p++) {
      await produce(topic, Array.from({ length: 20 }, (_, i) => ({ partition: p, value: `${settings[p]}:${i}` })),
        { acks: settings[p] });
    }
    const got = (await consume(topic, 60)).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    for (let p = 0; p < 3; p++) {
      eq(Array.from({ length: 20 }, (_, i) => `${settings[p]}:${i}`), got.filter((g) => g.partition === p)
        .map((g) => g.value), `records with acks=${settings[p]}`);
    }
  },
  async idempotence() {
    const topic = `${prefix}-idem`;
    await createTopic(topic, 1);
    const res = await produce(topic, Array.from({ length: 200 }, (_, i) => ({ partition: 0, value: `i${i}` })),
      { idempotent: true });
    eq(0, Number(res[0].baseOffset), 'base offset');
    const got = await consume(topic, 200);
    eq(200, new Set(got.map((g) => g.value)).size, 'distinct idempotent records');
  },
  async 'max-message-size'() {
    const topic = `${prefix}-max`;
    const limit = 20000;
    await createTopic(topic, 1, [{ name: 'max.message.bytes', value: String(limit) }]);
    await produce(topic, [{ partition: 0, value: 'a'.repeat(limit - 200) }]);
    try {
      await produce(topic, [{ partition: 0, value: 'b'.repeat(limit + 1) }]);
      throw new Skip('unreachable');
    } catch (e) {
      if (e instanceof Skip) throw new Error('a record over max.message.bytes was accepted');
      check(/MESSAGE_TOO_LARGE|too large/i.test(`${e.type} ${e.message}`), `expected MESSAGE_TOO_LARGE, got ${e.message}`);
    }
  },
  async transactions() {
    // A transactional producer commits, aborts and commits again; a read_committed consumer sees the committed
    // records only, once each, a read_uncommitted one all of them; then a transaction copies them and commits the
    // reader group's offsets with sendOffsets.
    const topic = `${prefix}-txn`;
    const out = `${prefix}-txn-out`;
    await createTopic(topic, 2);
    await createTopic(out, 1);
    const producer = kafka.producer({ transactionalId: `${prefix}-txn-id`, idempotent: true,
      maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const expected = [];
    try {
      for (const [round, commit] of [[0, true], [1, false], [2, true]]) {
        const txn = await producer.transaction();
        const messages = Array.from({ length: 10 }, (_, i) => ({ partition: i % 2,
          value: `${commit ? 'c' : 'a'}${round}-${i}` }));
        await txn.send({ topic, messages, timeout: WAIT });
        if (commit) {
          expected.push(...messages.map((m) => m.value));
          await txn.commit();
        } else {
          await txn.abort();
        }
      }
      const committed = await consume(topic, 20, `${prefix}-txn-committed`);
      eq([...expected].sort(), committed.map((g) => g.value).sort(), 'records read under read_committed');
      const all = await consume(topic, 30, `${prefix}-txn-uncommitted`, { readUncommitted: true });
      eq(30, all.length, 'records read under read_uncommitted');
      const group = `${prefix}-txn-ctp`;
      const offsets = {};
      for (const g of committed) offsets[g.partition] = Math.max(offsets[g.partition] || 0, g.offset + 1);
      const txn = await producer.transaction();
      await txn.send({ topic: out, messages: committed.map((g) => ({ partition: 0, value: g.value.toUpperCase() })),
        timeout: WAIT });
      await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: Object.entries(offsets)
        .map(([partition, offset]) => ({ partition: Number(partition), offset: String(offset) })) }] });
      await txn.commit();
      await withAdmin(async (admin) => {
        const got = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        eq(Object.entries(offsets).map(([p, o]) => [Number(p), o]).sort(), got[0].partitions
          .map((p) => [p.partition, Number(p.offset)]).sort(), 'offsets committed with the transaction');
      });
      const copied = await consume(out, 20, `${prefix}-txn-copied`);
      eq(expected.map((v) => v.toUpperCase()).sort(), copied.map((g) => g.value).sort(), 'copied records');
    } finally { await producer.disconnect(); }
  },
};

(async () => {
  const fn = scenarios[scenario];
  if (!fn) { console.log(`no kafkajs scenario ${scenario}`); process.exit(77); }
  try {
    await fn();
    process.exit(0);
  } catch (e) {
    if (e instanceof Skip) { console.log(e.message); process.exit(77); }
    console.log(`${e.name}: ${e.message}`);
    process.exit(1);
  }
})();
