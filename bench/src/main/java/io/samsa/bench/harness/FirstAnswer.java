package io.samsa.bench.harness;

import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;

import java.io.IOException;
import java.util.ArrayList;

/**
 * Start-up probe for {@code scripts/bench}: connects again and again until one Metadata request (v12, no
 * topics) is answered with at least one broker, then prints the wall-clock time of that answer in epoch
 * milliseconds ({@code answered_at_ms=...}); the script subtracts the broker's launch time. Exits 1 when the
 * timeout passes. Single-threaded; the caller owns the process.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.samsa.bench.harness.FirstAnswer HOST PORT TIMEOUT_S}
 */
public final class FirstAnswer {
    private static final short VERSION = 12;

    private FirstAnswer() {
    }

    public static void main(String[] args) throws InterruptedException {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (WireClient c = new WireClient(host, port, 2000)) {
                MetadataResponse r = c.call(ApiMessageType.METADATA, VERSION,
                        new MetadataRequest().setTopics(new ArrayList<>()), new MetadataResponse());
                if (!r.brokers().isEmpty()) {
                    System.out.println("answered_at_ms=" + System.currentTimeMillis());
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // Not listening or not ready yet.
            }
            Thread.sleep(10);
        }
        System.out.println("answered_at_ms=-1");
        System.exit(1);
    }
}
