package io.samsa.log;

import io.samsa.common.Clock;

import java.nio.file.Path;
import java.util.Map;

/**
 * The child process of {@link KillDurabilityTest}: appends batches with flush.messages=1 forever and prints
 * "ACK offset value" for each append once its future completes (the bytes were forced).
 */
public final class DurabilityChild {
    private DurabilityChild() {
    }

    public static void main(String[] args) throws Exception {
        LogManager manager = LogManager.builder(Path.of(args[0])).clock(Clock.SYSTEM).build();
        Log log = manager.getOrCreate("d", 0, LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                LogConfig.SEGMENT_BYTES, "20000", LogConfig.SEGMENT_INDEX_BYTES, "4096")));
        for (int i = 0; ; i++) {
            AppendResult r = TestLogs.append(log, TestLogs.batch(System.currentTimeMillis(), 1, "ack" + i + "-", -1,
                    (short) -1, -1, false, org.apache.kafka.common.compress.Compression.NONE), 0);
            r.durable().get();
            System.out.println("ACK " + r.firstOffset() + " ack" + i + "-0");
            System.out.flush();
        }
    }
}
