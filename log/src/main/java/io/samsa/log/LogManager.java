package io.samsa.log;

import io.samsa.common.Clock;
import io.samsa.common.Disk;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.log.CleanerConfig;
import io.samsa.log.cleaner.LogCleaner;
import io.samsa.log.segment.HandleCache;
import io.samsa.wire.record.CompressionType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The logs of one data directory: opens every {@code TOPIC-PARTITION} directory at start (recovering them
 * after an unclean stop), creates and deletes partitions, and owns what the logs share: the flusher threads
 * (group commit), the bounded cache of cold segments' open handles, and the scheduler that deletes files
 * after {@code file.delete.delay.ms}.
 *
 * <p>Clean shutdown: {@link #close()} closes every log (producer snapshots, forced data and indexes,
 * checkpoints) and then writes {@code .clean-shutdown}; the next start sees the marker, skips scanning, and
 * deletes it once every log is loaded.
 *
 * <p>Every file operation of the manager and its logs goes through one {@link Disk} ({@link Disk#SYSTEM} unless
 * the builder names another, such as testkit's simulated disk).
 *
 * <p>Thread-safe for opening, looking up and deleting logs; each {@link Log} then has its own single-writer
 * rule. {@link #close()} must run after the partitions' writers have stopped.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);

    public static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";
    private static final String DELETE_SUFFIX = "-delete";
    /** The suffix of a log set aside by {@link #markStray}. */
    public static final String STRAY_SUFFIX = "-stray";
    private static final CleanerStats NO_CLEANER = new CleanerStats();

    private final Path dataDir;
    private final Disk disk;
    private final Random deleteSuffixes;
    private final Clock clock;
    private final FileForcer forcer;
    private final Scheduler scheduler;
    private final ExecutorScheduler ownScheduler;
    private final HandleCache cache;
    private final Flusher flusher;
    private final Function<String, LogConfig> configs;
    private final Map<String, Log> logs = new ConcurrentHashMap<>();
    private final boolean cleanStart;
    private final LogCleaner cleaner;
    private volatile boolean closed;

    private LogManager(Builder b) throws IOException {
        // Appends recompress and validation decompresses on the shards: their native libraries load here, not there.
        CompressionType.loadNativeCodecs();
        this.dataDir = b.dataDir;
        this.disk = b.disk;
        this.deleteSuffixes = b.deleteSuffixes;
        this.clock = b.clock;
        this.forcer = b.forcer != null ? b.forcer : FileForcer.of(disk);
        this.configs = b.configs;
        this.ownScheduler = b.scheduler == null ? new ExecutorScheduler("samsa-log-deleter") : null;
        this.scheduler = b.scheduler == null ? ownScheduler : b.scheduler;
        this.cache = new HandleCache(b.maxOpenColdSegments);
        disk.createDirectories(dataDir);
        Path marker = dataDir.resolve(CLEAN_SHUTDOWN_FILE);
        this.cleanStart = disk.exists(marker);
        this.flusher = b.flusherForcing == null
                ? Flusher.withOwnThreads("samsa-log-flusher", clock, b.checkpointIntervalMs, b.flusherPollMs,
                        b.flusherThreads)
                : new Flusher(clock, b.checkpointIntervalMs, b.flusherPollMs, b.flusherForcing, b.flusherTimer);
        try {
            for (Path p : disk.list(dataDir)) {
                String n = p.getFileName().toString();
                if (!disk.isDirectory(p)) {
                    continue;
                }
                if (n.endsWith(DELETE_SUFFIX)) {
                    deleteTreeLater(p);
                } else if (n.endsWith(STRAY_SUFFIX)) {
                    log.warn("Keeping the stray log {}: no partition of the metadata uses it; delete it by hand once "
                        + "you know its data is not needed", p);
                } else if (parse(n) != null) {
                    Log l = openLog(n, configs.apply(parse(n).topic), cleanStart);
                    logs.put(n, l);
                }
            }
            disk.deleteIfExists(marker);
            forcer.forceDirectory(dataDir);
        } catch (IOException | RuntimeException e) {
            flusher.close();
            throw e;
        }
        flusher.start();
        this.cleaner = b.cleaner.enabled() ? new LogCleaner(b.cleaner, dataDir, disk, forcer, clock, this::logs,
                b.cleanerExecutors) : null;
        if (cleaner != null) {
            cleaner.start();
        }
        log.info("Loaded {} logs from {} after {} shutdown", logs.size(), dataDir,
                cleanStart ? "a clean" : "an unclean");
    }

    /** Starts building a manager for {@code dataDir}. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    private record TopicPartition(String topic, int partition) {
    }

    private static TopicPartition parse(String dirName) {
        int dash = dirName.lastIndexOf('-');
        if (dash <= 0 || dash == dirName.length() - 1) {
            return null;
        }
        try {
            return new TopicPartition(dirName.substring(0, dash), Integer.parseInt(dirName.substring(dash + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code TOPIC-PARTITION}. */
    public static String dirName(String topic, int partition) {
        return topic + "-" + partition;
    }

    private Log openLog(String name, LogConfig config, boolean clean) throws IOException {
        Log l = new Log(name, dataDir.resolve(name), disk, config, clock, cache, flusher, forcer, scheduler);
        l.load(clean);
        flusher.register(l);
        if (l.hasIndexesToForce()) {
            // Indexes rebuilt by recovery: forced by the flusher, not on the opening thread.
            flusher.request(l, null);
        }
        return l;
    }

    /** True when the previous run ended with a clean shutdown. */
    public boolean startedClean() {
        return cleanStart;
    }

    /** The log of a partition, opening or creating it with {@code config} if needed. Any thread. */
    public synchronized Log getOrCreate(String topic, int partition, LogConfig config) {
        checkOpen();
        String name = dirName(topic, partition);
        Log l = logs.get(name);
        if (l == null) {
            try {
                l = openLog(name, config, true);
                forcer.forceDirectory(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create the log of " + name, e);
            }
            logs.put(name, l);
        }
        return l;
    }

    /** The log of a partition, or null. Any thread. */
    public Log get(String topic, int partition) {
        return logs.get(dirName(topic, partition));
    }

    public Collection<Log> logs() {
        return new ArrayList<>(logs.values());
    }

    /**
     * Deletes a partition: closes its log, renames its directory to {@code NAME.<uuid>-delete} and removes
     * it after {@code file.delete.delay.ms} on the scheduler's thread. Its writer must have stopped.
     */
    public synchronized void delete(String topic, int partition) throws IOException {
        Log l = logs.get(dirName(topic, partition));
        Path target = moveAside(topic, partition, DELETE_SUFFIX);
        if (target != null) {
            scheduler.schedule(() -> deleteTreeQuietly(target), l.config().fileDeleteDelayMs());
        }
    }

    /**
     * Sets a partition's log aside as a stray: closes it and renames its directory to {@code NAME.<uuid>-stray},
     * which is kept (never loaded again, never deleted by the broker) for an operator to inspect or remove. For a
     * log on disk that the metadata no longer assigns here: deleting it would be final if the metadata were wrong.
     * Its writer must have stopped. Returns the new directory, or null when there was no such log.
     */
    public synchronized Path markStray(String topic, int partition) throws IOException {
        return moveAside(topic, partition, STRAY_SUFFIX);
    }

    /**
     * Forgets a partition's log, closes it and renames its directory to {@code NAME.<uuid><suffix>}; returns the new
     * directory, or null when there was no such log.
     */
    private Path moveAside(String topic, int partition, String suffix) throws IOException {
        String name = dirName(topic, partition);
        Log l = logs.remove(name);
        if (l == null) {
            return null;
        }
        flusher.unregister(l);
        l.closeForDeletion();
        if (cleaner != null) {
            cleaner.forget(name);
        }
        Path target = dataDir.resolve(name + "." + uniqueSuffix() + suffix);
        disk.move(l.dir(), target);
        forcer.forceDirectory(dataDir);
        return target;
    }

    /** 32 hex digits: a random UUID's, or the seeded random's when the builder gave one (simulation). */
    private String uniqueSuffix() {
        if (deleteSuffixes == null) {
            return UUID.randomUUID().toString().replace("-", "");
        }
        synchronized (deleteSuffixes) {
            return String.format("%016x%016x", deleteSuffixes.nextLong(), deleteSuffixes.nextLong());
        }
    }

    private void deleteTreeLater(Path p) {
        scheduler.schedule(() -> deleteTreeQuietly(p), 0);
    }

    private void deleteTreeQuietly(Path root) {
        try {
            disk.deleteTree(root);
        } catch (IOException e) {
            log.warn("Failed to delete {}", root, e);
        }
    }

    /** Completes after the flusher handled everything queued before and ran one periodic pass (tests). */
    CompletableFuture<Void> flusherBarrier() {
        return flusher.barrier();
    }

    /** The log cleaner's counters (zero when the cleaner is off), for metrics. */
    public CleanerStats cleanerStats() {
        return cleaner == null ? NO_CLEANER : cleaner.stats();
    }

    /** The log cleaner of this directory, or null when {@code log.cleaner.enable} is false. */
    public LogCleaner cleaner() {
        return cleaner;
    }

    /** The shared cache of cold segments' handles (tests and metrics). */
    public HandleCache handleCache() {
        return cache;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("The log manager of " + dataDir + " is closed");
        }
    }

    /**
     * Clean shutdown: completes pending flushes, closes every log, then writes the clean-shutdown marker
     * (only if every log closed cleanly). The partitions' writers must have stopped.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (cleaner != null) {
            cleaner.close();
        }
        flusher.close();
        boolean allClean = true;
        for (Log l : logs.values()) {
            try {
                l.close();
                allClean &= !l.isOffline();
            } catch (IOException | RuntimeException e) {
                allClean = false;
                log.error("Failed to close {} cleanly", l.name(), e);
            }
        }
        cache.invalidateAll();
        if (allClean) {
            Path marker = dataDir.resolve(CLEAN_SHUTDOWN_FILE);
            try (FileChannel ch = disk.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                forcer.force(ch, marker);
            }
            forcer.forceDirectory(dataDir);
        }
        if (ownScheduler != null) {
            ownScheduler.close();
        }
        log.info("Closed {} logs in {} ({})", logs.size(), dataDir, allClean ? "clean" : "not clean");
    }

    /** Options of a {@link LogManager}. Not thread-safe; build once. */
    public static final class Builder {
        private final Path dataDir;
        private Disk disk = Disk.SYSTEM;
        private Random deleteSuffixes;
        private Clock clock = Clock.SYSTEM;
        private FileForcer forcer;
        private Scheduler scheduler;
        private Executor flusherForcing;
        private SerialExecutor flusherTimer;
        private Function<String, LogConfig> configs = t -> LogConfig.DEFAULTS;
        private long maxOpenColdSegments = 4096;
        private long checkpointIntervalMs = 60_000;
        private long flusherPollMs = 100;
        private int flusherThreads = 8;
        private CleanerConfig cleaner = CleanerConfig.DISABLED;
        private List<? extends SerialExecutor> cleanerExecutors;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** The fsync seam (tests count fsyncs); default: forces through the {@link #disk(Disk) disk}. */
        public Builder forcer(FileForcer f) {
            this.forcer = f;
            return this;
        }

        /**
         * The file system every log file is opened, mapped, forced, renamed and deleted through; default
         * {@link Disk#SYSTEM}. Simulation tests pass testkit's simulated disk.
         */
        public Builder disk(Disk d) {
            this.disk = d;
            return this;
        }

        /**
         * Where the flusher runs instead of its own threads: lanes (forces, group commit, checkpoint writes) on
         * {@code forcing}, the periodic pass on {@code timer}. A simulation passes its simulated executors so that
         * everything runs on one thread in a seeded order; the flusher then does not own them ({@link #close}
         * fails appends still waiting for a force instead of waiting for the executors).
         */
        public Builder flusherExecutors(Executor forcing, SerialExecutor timer) {
            this.flusherForcing = forcing;
            this.flusherTimer = timer;
            return this;
        }

        /**
         * Where the 32 hex digits of a deleted partition's directory name come from; default a random UUID.
         * A simulation passes its seeded random so that a run replays exactly.
         */
        public Builder deleteSuffixes(Random r) {
            this.deleteSuffixes = r;
            return this;
        }

        /** Runs delayed deletions; default: an own daemon thread. */
        public Builder scheduler(Scheduler s) {
            this.scheduler = s;
            return this;
        }

        /** Config of each topic found on disk at start. */
        public Builder configs(Function<String, LogConfig> c) {
            this.configs = c;
            return this;
        }

        /** Bound of the cold segments' handle cache. */
        public Builder maxOpenColdSegments(long n) {
            this.maxOpenColdSegments = n;
            return this;
        }

        /** How often changed checkpoints are written even when nothing asks (Kafka: 60 s). */
        public Builder checkpointIntervalMs(long ms) {
            this.checkpointIntervalMs = ms;
            return this;
        }

        /** How often the flusher looks for logs whose {@code flush.ms} passed or whose checkpoints are due. */
        public Builder flusherPollMs(long ms) {
            this.flusherPollMs = ms;
            return this;
        }

        /**
         * How many logs the flusher forces at once (default 8): the file system commits concurrent forces of
         * different files together, so more threads mean fewer device round trips per append when many
         * partitions wait for {@code flush.messages}.
         */
        public Builder flusherThreads(int n) {
            this.flusherThreads = n;
            return this;
        }

        /**
         * The log cleaner's settings ({@code log.cleaner.*}); default {@link CleanerConfig#DISABLED}. The cleaner
         * compacts logs whose owner attached their writer ({@link Log#attachWriter}).
         */
        public Builder cleaner(CleanerConfig c) {
            this.cleaner = c;
            return this;
        }

        /**
         * Where the cleaner's workers run instead of {@code log.cleaner.threads} threads of its own: one worker per
         * executor (a simulation passes its simulated executors; the manager does not own them).
         */
        public Builder cleanerExecutors(List<? extends SerialExecutor> executors) {
            this.cleanerExecutors = List.copyOf(executors);
            return this;
        }

        public LogManager build() throws IOException {
            return new LogManager(this);
        }
    }
}
