package io.samsa.server;

import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Command-line entry point: {@code Main [--config FILE] [--override k=v]... [--data-dir DIR] [--port N]
 * [--ready-file FILE]}. Runs the broker until SIGTERM/SIGINT, then stops it cleanly.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        long startNanos = System.nanoTime();
        Path configFile = null;
        Path readyFile = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        Integer port = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--config" -> configFile = Path.of(value(args, ++i, a));
                    case "--override" -> {
                        String kv = value(args, ++i, a);
                        int eq = kv.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--override takes key=value, got '" + kv + "'");
                        }
                        overrides.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
                    }
                    case "--data-dir" -> overrides.put(BrokerConfig.LOG_DIRS, value(args, ++i, a));
                    case "--port" -> port = Integer.parseInt(value(args, ++i, a));
                    // kafka-storage format's options for a dynamic quorum (KIP-853), applied to an empty metadata log.
                    case "--standalone" -> overrides.put(BrokerConfig.FORMAT_STANDALONE, "true");
                    case "--initial-controllers" -> overrides.put(BrokerConfig.FORMAT_INITIAL_CONTROLLERS,
                            value(args, ++i, a));
                    case "--ready-file" -> readyFile = Path.of(value(args, ++i, a));
                    case "-h", "--help" -> {
                        System.out.println("usage: samsa start [--config FILE] [--override key=value]... "
                                + "[--data-dir DIR] [--port N] [--daemon] [--standalone | --initial-controllers "
                                + "id@host:port:dirId,...]");
                        return;
                    }
                    default -> throw new IllegalArgumentException("Unknown argument '" + a + "'");
                }
            }
            BrokerConfig config = withPort(BrokerConfig.load(configFile, overrides), port);
            SamsaBroker broker = SamsaBroker.start(config);
            // From the process's start (JVM boot included), else from main().
            long millis = ProcessHandle.current().info().startInstant()
                    .map(t -> System.currentTimeMillis() - t.toEpochMilli())
                    .orElse((System.nanoTime() - startNanos) / 1_000_000);
            String line = "Samsa started: node " + config.nodeId() + ", listeners " + broker.boundListeners()
                    + ", data " + config.dataDir().toAbsolutePath().normalize() + ", in " + millis + " ms";
            System.out.println(line);
            System.out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                broker.close();
                stopped.countDown();
            }, "samsa-shutdown"));
            if (readyFile != null) {
                writeAtomically(readyFile, line + "\n");
            }
            stopped.await();
        } catch (ConfigException e) {
            System.err.println("samsa: " + e.getMessage());
            System.exit(2);
        } catch (IllegalArgumentException e) {
            System.err.println("samsa: " + e.getMessage());
            System.exit(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("samsa: start-up failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static BrokerConfig withPort(BrokerConfig config, Integer port) {
        if (port == null) {
            return config;
        }
        Map<String, String> props = new LinkedHashMap<>(config.originals());
        String listeners = config.original(BrokerConfig.LISTENERS);
        props.put(BrokerConfig.LISTENERS, listeners == null
                ? "PLAINTEXT://127.0.0.1:" + port
                : listeners.replaceFirst(":\\d+(,|$)", ":" + port + "$1"));
        return BrokerConfig.from(props);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
