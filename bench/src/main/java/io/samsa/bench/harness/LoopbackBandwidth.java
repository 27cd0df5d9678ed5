package io.samsa.bench.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;

/**
 * Loopback TCP bandwidth on this machine, for {@code scripts/bench} to print beside the brokers' figures:
 * one thread writes 1 MiB buffers to a socket for {@code SECONDS}, another reads and discards them. Prints
 * {@code loopback_mb_s=...} (MB = 10^6 bytes). Owns both sockets and the reader thread.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.samsa.bench.harness.LoopbackBandwidth [SECONDS]}
 */
public final class LoopbackBandwidth {
    private LoopbackBandwidth() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long[] received = new long[1];
            Thread reader = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[1 << 20];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        received[0] += n;
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "loopback-reader");
            reader.start();
            byte[] buf = new byte[1 << 20];
            long start;
            long elapsed;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 OutputStream out = s.getOutputStream()) {
                start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                while (System.nanoTime() < end) {
                    out.write(buf);
                }
            }
            reader.join();
            elapsed = System.nanoTime() - start;
            System.out.printf(Locale.ROOT, "loopback_mb_s=%.0f%n", received[0] / 1e6 / (elapsed / 1e9));
        }
    }
}
