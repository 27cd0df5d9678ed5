package io.samsa.bench.harness;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TLS connection set-up rate for {@code scripts/bench-tls}: {@code THREADS} threads each open a TLS connection to
 * {@code HOST:PORT}, complete a full handshake (no session resumption: each connection's session is invalidated
 * and the client cache holds none), send one ApiVersions request (v0) and read its answer, close, and go again, for
 * {@code SECONDS}. Prints {@code connections=N}, {@code connections_s=R} and {@code failures=F}. The caller owns the
 * process; the broker's CPU per connection is measured from outside.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.samsa.bench.harness.TlsHandshakes HOST PORT SECONDS
 * THREADS TRUSTSTORE.p12 PASSWORD}
 */
public final class TlsHandshakes {
    private TlsHandshakes() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        int threads = Integer.parseInt(args[3]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(args[4]))) {
            trust.load(in, args[5].toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        ctx.getClientSessionContext().setSessionCacheSize(1);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                while (System.nanoTime() < end) {
                    try {
                        once(ctx, host, port);
                        done.incrementAndGet();
                    } catch (IOException e) {
                        failed.incrementAndGet();
                    }
                }
            }, "handshakes-" + t);
            workers[t].start();
        }
        long start = System.nanoTime();
        for (Thread w : workers) {
            w.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.println("connections=" + done.get());
        System.out.printf("connections_s=%.1f%n", done.get() / secs);
        System.out.println("failures=" + failed.get());
    }

    private static void once(SSLContext ctx, String host, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(5000);
            s.startHandshake();
            byte[] clientId = "bench".getBytes(StandardCharsets.UTF_8);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(2 + 2 + 4 + 2 + clientId.length);
            out.writeShort(18); // ApiVersions
            out.writeShort(0);
            out.writeInt(1);
            out.writeShort(clientId.length);
            out.write(clientId);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int size = in.readInt();
            if (size < 6 || size > (1 << 20)) {
                throw new IOException("bad ApiVersions answer size " + size);
            }
            in.readFully(new byte[size]);
            s.getSession().invalidate();
        }
    }
}
