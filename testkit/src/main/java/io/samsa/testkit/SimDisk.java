package io.samsa.testkit;

import io.samsa.common.Clock;
import io.samsa.common.Disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A simulated file system in memory that can crash: a {@link Disk} for simulation tests. Code runs on it unchanged
 * (its channels are {@link FileChannel}s, its mappings {@link ByteBuffer}s), and a crash leaves exactly what a real
 * disk may keep of what was not forced. What it models (docs/simulation.md has the longer story):
 *
 * <ul>
 *   <li><b>File data</b> is in the page cache until forced ({@link #force(FileChannel)}, or a mapping's
 *       {@link #force(ByteBuffer)}, which persists the whole file with its length, as {@code msync} of a file's
 *       mapping does on Linux). A crash keeps the last forced content plus a random prefix of the writes and length
 *       changes made since, in order, the last one possibly torn (a random prefix of its bytes); and with
 *       probability 1/4 the kernel had written back a random subset of the dirty 4 KiB pages (within the kept
 *       length). Bytes written through a mapping are page-cache bytes: lost unless forced or written back.</li>
 *   <li><b>Names</b> (create, mkdir, rename, delete) follow ext4's ordered journal (the default {@code data=ordered}
 *       mode): each operation is atomic, and operations reach the disk in the order they were made. Forcing a
 *       directory commits every name operation up to the directory's last change; forcing a file commits every
 *       name operation up to that file's last metadata change (its creation, a rename, a length change), because
 *       ext4 commits that inode's journal transaction and with it everything before. A crash keeps every committed
 *       operation and a random prefix of the others. With {@link #strictNames} a file force commits no names:
 *       only directory forces do (closer to what POSIX promises).</li>
 *   <li><b>A crash</b> happens at a chosen operation ({@link #crashAtOperation}; the operation does not happen)
 *       or when the test says ({@link #crash()}). It runs the {@link #onCrash} hooks (the test kills the node's
 *       executors), and from then on every call, and every call on a channel or mapping opened before it, throws
 *       {@link SimulatedCrash}, until {@link #restart()} brings up the disk as the crash left it.</li>
 * </ul>
 *
 * <p>Operations counted as crash points: file creation, writes, length changes, forces of files, mappings and
 * directories, renames, deletions, directory creation. Reads, listings and opens of existing files are not.
 *
 * <p>Paths must be absolute; nothing touches the real file system. Thread-safe (one monitor).
 */
public final class SimDisk implements Disk {
    /** The kinds of operations a crash can interrupt. */
    public enum Op { CREATE, WRITE, SET_LENGTH, FORCE, FORCE_MAPPING, FORCE_DIRECTORY, MOVE, DELETE, MKDIR }

    /** Where a crash happened: the operation's number (1-based), its kind and the path it named. */
    public record CrashPoint(long operation, Op op, Path path) {
        @Override
        public String toString() {
            return op + " " + path + " (operation " + operation + ")";
        }
    }

    private enum NameOpKind { CREATE, MKDIR, MOVE, DELETE }

    private record NameOp(long seq, NameOpKind kind, Path path, Path target, SimFile file) {
    }

    private record Mapping(SimFile file, Path path, int generation) {
    }

    private final Random random;
    private final Clock clock;
    private final TreeMap<Path, SimFile> names = new TreeMap<>();
    private final TreeMap<Path, SimFile> committed = new TreeMap<>();
    private final ArrayList<NameOp> pending = new ArrayList<>();
    private final Map<ByteBuffer, Mapping> mappings = new IdentityHashMap<>();
    private final List<Runnable> crashHooks = new ArrayList<>();
    private final List<Consumer<Path>> closeHooks = new ArrayList<>();
    private final EnumMap<Op, Long> counts = new EnumMap<>(Op.class);
    private TreeMap<Path, byte[]> crashImage;
    private boolean strictNames;
    private long journalSeq;
    private long operations;
    private long crashAt = -1;
    private boolean crashed;
    private int generation;
    private int crashes;
    private CrashPoint lastCrash;

    /** An empty disk: {@code random} decides what crashes keep, {@code clock} stamps modification times. */
    public SimDisk(Random random, Clock clock) {
        this.random = random;
        this.clock = clock;
        for (Op op : Op.values()) {
            counts.put(op, 0L);
        }
    }

    // ---------------------------------------------------------------- crash control

    /** Name operations become durable only through directory forces (stricter than ext4). */
    public synchronized SimDisk strictNames(boolean strict) {
        this.strictNames = strict;
        return this;
    }

    /** Crashes at the {@code n}-th counted operation from the start (that operation does not happen); -1: never. */
    public synchronized void crashAtOperation(long n) {
        this.crashAt = n;
    }

    /** Counted operations so far (the number the next one gets is this plus one). */
    public synchronized long operations() {
        return operations;
    }

    /** Counted operations so far, by kind. */
    public synchronized Map<Op, Long> operationCounts() {
        return new EnumMap<>(counts);
    }

    /** Runs {@code hook} at every crash, before the crashing call throws (kill the node's executors there). */
    public synchronized void onCrash(Runnable hook) {
        crashHooks.add(hook);
    }

    /** Calls {@code hook} with a channel's path whenever a channel of this disk is closed (tests: who closes what). */
    public synchronized void onChannelClose(Consumer<Path> hook) {
        closeHooks.add(hook);
    }

    void channelClosed(Path path) {
        List<Consumer<Path>> hooks;
        synchronized (this) {
            hooks = List.copyOf(closeHooks);
        }
        for (Consumer<Path> h : hooks) {
            h.accept(path);
        }
    }

    /** Crashes now, between operations. */
    public void crash() {
        crash(null);
    }

    public synchronized boolean isCrashed() {
        return crashed;
    }

    /** How many times the disk crashed. */
    public synchronized int crashes() {
        return crashes;
    }

    /** Where the last crash happened, or null (a crash between operations, or none yet). */
    public synchronized CrashPoint lastCrash() {
        return lastCrash;
    }

    /** Brings the disk back after a crash with what the crash left; channels and mappings from before stay dead. */
    public synchronized void restart() {
        if (!crashed) {
            throw new IllegalStateException("The disk has not crashed");
        }
        names.clear();
        committed.clear();
        pending.clear();
        for (Map.Entry<Path, byte[]> e : crashImage.entrySet()) {
            SimFile f = e.getValue() == null ? new SimFile(true) : SimFile.recovered(e.getValue());
            names.put(e.getKey(), f);
            committed.put(e.getKey(), f);
        }
        crashImage = null;
        crashed = false;
    }

    private void crash(CrashPoint at) {
        List<Runnable> hooks;
        synchronized (this) {
            if (crashed) {
                return;
            }
            TreeMap<Path, SimFile> survivors = new TreeMap<>(committed);
            int kept = pending.isEmpty() ? 0 : random.nextInt(pending.size() + 1);
            for (int i = 0; i < kept; i++) {
                apply(survivors, pending.get(i));
            }
            IdentityHashMap<SimFile, byte[]> contents = new IdentityHashMap<>();
            crashImage = new TreeMap<>();
            for (Map.Entry<Path, SimFile> e : survivors.entrySet()) {
                SimFile f = e.getValue();
                crashImage.put(e.getKey(), f.directory ? null : contents.computeIfAbsent(f, x -> x.crashImage(random)));
            }
            crashed = true;
            generation++;
            crashes++;
            crashAt = -1;
            lastCrash = at;
            hooks = new ArrayList<>(crashHooks);
        }
        for (Runnable h : hooks) {
            h.run();
        }
    }

    /** A counted operation: crashes instead of it when it is the chosen one. */
    private void op(Op kind, Path path, int gen) {
        alive(gen);
        operations++;
        counts.merge(kind, 1L, Long::sum);
        if (crashAt >= 0 && operations >= crashAt) {
            CrashPoint at = new CrashPoint(operations, kind, path);
            crash(at);
            throw new SimulatedCrash("Simulated crash at " + at);
        }
    }

    private void alive(int gen) {
        if (crashed || gen != generation) {
            throw new SimulatedCrash("The simulated disk crashed" + (lastCrash == null ? "" : " at " + lastCrash));
        }
    }

    // ---------------------------------------------------------------- names

    private static Path check(Path p) {
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("Simulated paths are absolute: " + p);
        }
        return p.normalize();
    }

    private SimFile parentDir(Path p) throws IOException {
        Path parent = p.getParent();
        if (parent == null) {
            throw new FileSystemException(p.toString(), null, "The root cannot be changed");
        }
        SimFile d = names.get(parent);
        if (d == null && parent.getParent() == null) {
            d = root(parent);
        }
        if (d == null) {
            throw new NoSuchFileException(parent.toString());
        }
        if (!d.directory) {
            throw new NotDirectoryException(parent.toString());
        }
        return d;
    }

    private SimFile root(Path root) {
        SimFile r = new SimFile(true);
        names.put(root, r);
        committed.put(root, r);
        return r;
    }

    private long record(NameOpKind kind, Path path, Path target, SimFile file) {
        long seq = ++journalSeq;
        pending.add(new NameOp(seq, kind, path, target, file));
        return seq;
    }

    /** Makes every name operation up to journal sequence {@code seq} durable (a journal commit). */
    private void commit(long seq) {
        int n = 0;
        while (n < pending.size() && pending.get(n).seq <= seq) {
            apply(committed, pending.get(n));
            n++;
        }
        pending.subList(0, n).clear();
    }

    private static void apply(TreeMap<Path, SimFile> map, NameOp op) {
        switch (op.kind) {
            case CREATE, MKDIR -> map.put(op.path, op.file);
            case DELETE -> map.remove(op.path);
            case MOVE -> moveTree(map, op.path, op.target);
            default -> throw new IllegalStateException(op.kind.toString());
        }
    }

    /** Moves {@code from} and everything below it to {@code to}, replacing what {@code to} named. */
    private static void moveTree(TreeMap<Path, SimFile> map, Path from, Path to) {
        map.remove(to);
        List<Path> moved = below(map, from);
        moved.add(0, from);
        for (Path p : moved) {
            map.put(to.resolve(from.relativize(p)), map.remove(p));
        }
    }

    /**
     * Every name strictly below {@code dir}. Paths sort by their bytes, so every name whose text starts with the
     * directory's is in one run of the map, with siblings such as {@code dir.x} or {@code dir-1} among them.
     */
    private static List<Path> below(TreeMap<Path, SimFile> map, Path dir) {
        String prefix = dir.toString();
        List<Path> out = new ArrayList<>();
        for (Path p : map.tailMap(dir, false).keySet()) {
            if (!p.toString().startsWith(prefix)) {
                break;
            }
            if (p.startsWith(dir)) {
                out.add(p);
            }
        }
        return out;
    }

    private boolean hasChildren(Path dir) {
        return !below(names, dir).isEmpty();
    }

    // ---------------------------------------------------------------- Disk

    @Override
    public synchronized FileChannel open(Path file, OpenOption... options) throws IOException {
        alive(generation);
        Path p = check(file);
        boolean read = false;
        boolean write = false;
        boolean append = false;
        boolean create = false;
        boolean createNew = false;
        boolean truncate = false;
        for (OpenOption o : options) {
            if (o == StandardOpenOption.READ) {
                read = true;
            } else if (o == StandardOpenOption.WRITE) {
                write = true;
            } else if (o == StandardOpenOption.APPEND) {
                append = true;
                write = true;
            } else if (o == StandardOpenOption.CREATE) {
                create = true;
            } else if (o == StandardOpenOption.CREATE_NEW) {
                createNew = true;
            } else if (o == StandardOpenOption.TRUNCATE_EXISTING) {
                truncate = true;
            } else {
                throw new UnsupportedOperationException("The simulated disk does not support " + o);
            }
        }
        if (!read && !write) {
            read = true;
        }
        SimFile f = names.get(p);
        if (f != null && createNew && write) {
            throw new FileAlreadyExistsException(p.toString());
        }
        if (f == null) {
            if (!write || !(create || createNew)) {
                throw new NoSuchFileException(p.toString());
            }
            SimFile dir = parentDir(p);
            op(Op.CREATE, p, generation);
            f = new SimFile(false);
            f.modifiedMillis = clock.milliseconds();
            long seq = record(NameOpKind.CREATE, p, null, f);
            f.metaSeq = seq;
            dir.metaSeq = seq;
            names.put(p, f);
        } else if (f.directory) {
            throw new FileSystemException(p.toString(), null, "Is a directory");
        }
        SimFileChannel ch = new SimFileChannel(this, f, p, read, write, append, generation);
        if (truncate && write && f.length > 0) {
            setLength(ch, 0);
        }
        return ch;
    }

    @Override
    public synchronized ByteBuffer map(Path file, FileChannel.MapMode mode, long length) throws IOException {
        alive(generation);
        Path p = check(file);
        int n = Math.toIntExact(length);
        SimFile f = names.get(p);
        if (mode == FileChannel.MapMode.READ_ONLY) {
            if (f == null) {
                throw new NoSuchFileException(p.toString());
            }
            if (f.directory || n > f.length) {
                throw new IOException("Cannot map " + n + " bytes of " + p + " (" + f.length + " bytes) read-only");
            }
            ByteBuffer b = ByteBuffer.wrap(f.data, 0, n).slice().asReadOnlyBuffer();
            mappings.put(b, new Mapping(f, p, generation));
            return b;
        }
        if (mode != FileChannel.MapMode.READ_WRITE) {
            throw new UnsupportedOperationException("The simulated disk maps READ_ONLY or READ_WRITE, not " + mode);
        }
        SimFileChannel ch = (SimFileChannel) open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        f = ch.file();
        if (f.length != n) {
            setLength(ch, n);
        }
        f.mapped = true;
        ByteBuffer b = ByteBuffer.wrap(f.data, 0, n).slice();
        mappings.put(b, new Mapping(f, p, generation));
        return b;
    }

    @Override
    public synchronized void force(ByteBuffer mapping) {
        Mapping m = mappings.get(mapping);
        if (m == null) {
            alive(generation);
            throw new IllegalArgumentException("Not a mapping of this disk (or unmapped already)");
        }
        op(Op.FORCE_MAPPING, m.path, m.generation);
        forceContent(m.file);
    }

    @Override
    public synchronized void unmap(ByteBuffer mapping) {
        mappings.remove(mapping);
    }

    @Override
    public void force(FileChannel channel) throws IOException {
        if (!(channel instanceof SimFileChannel ch) || ch.disk() != this) {
            throw new IllegalArgumentException("Not a channel of this disk: " + channel);
        }
        ch.force(false);
    }

    @Override
    public synchronized void forceDirectory(Path dir) throws IOException {
        alive(generation);
        Path p = check(dir);
        SimFile d = names.get(p);
        if (d == null && p.getParent() == null) {
            d = root(p);
        }
        if (d == null) {
            throw new NoSuchFileException(p.toString());
        }
        if (!d.directory) {
            throw new NotDirectoryException(p.toString());
        }
        op(Op.FORCE_DIRECTORY, p, generation);
        commit(d.metaSeq);
    }

    @Override
    public synchronized void move(Path source, Path target, CopyOption... options) throws IOException {
        alive(generation);
        Path from = check(source);
        Path to = check(target);
        SimFile f = names.get(from);
        if (f == null) {
            throw new NoSuchFileException(from.toString());
        }
        SimFile fromDir = parentDir(from);
        SimFile toDir = parentDir(to);
        if (from.equals(to)) {
            return;
        }
        if (to.startsWith(from)) {
            throw new FileSystemException(from.toString(), to.toString(), "Cannot move a directory into itself");
        }
        SimFile existing = names.get(to);
        if (existing != null) {
            if (!Arrays.asList(options).contains(StandardCopyOption.REPLACE_EXISTING)) {
                throw new FileAlreadyExistsException(to.toString());
            }
            if (existing.directory && hasChildren(to)) {
                throw new DirectoryNotEmptyException(to.toString());
            }
        }
        op(Op.MOVE, from, generation);
        long seq = record(NameOpKind.MOVE, from, to, f);
        f.metaSeq = seq;
        fromDir.metaSeq = seq;
        toDir.metaSeq = seq;
        moveTree(names, from, to);
    }

    @Override
    public synchronized boolean deleteIfExists(Path path) throws IOException {
        alive(generation);
        Path p = check(path);
        SimFile f = names.get(p);
        if (f == null) {
            return false;
        }
        if (f.directory && hasChildren(p)) {
            throw new DirectoryNotEmptyException(p.toString());
        }
        SimFile dir = parentDir(p);
        op(Op.DELETE, p, generation);
        long seq = record(NameOpKind.DELETE, p, null, f);
        dir.metaSeq = seq;
        f.metaSeq = seq;
        names.remove(p);
        return true;
    }

    @Override
    public synchronized void createDirectories(Path dir) throws IOException {
        alive(generation);
        Path p = check(dir);
        List<Path> missing = new ArrayList<>();
        for (Path q = p; q != null && q.getParent() != null; q = q.getParent()) {
            SimFile f = names.get(q);
            if (f != null) {
                if (!f.directory) {
                    throw new FileAlreadyExistsException(q.toString());
                }
                break;
            }
            missing.add(0, q);
        }
        for (Path q : missing) {
            SimFile parent = parentDir(q);
            op(Op.MKDIR, q, generation);
            SimFile d = new SimFile(true);
            long seq = record(NameOpKind.MKDIR, q, null, d);
            d.metaSeq = seq;
            parent.metaSeq = seq;
            names.put(q, d);
        }
    }

    @Override
    public synchronized boolean exists(Path path) {
        alive(generation);
        Path p = check(path);
        return names.containsKey(p) || p.getParent() == null;
    }

    @Override
    public synchronized boolean isDirectory(Path path) {
        alive(generation);
        Path p = check(path);
        SimFile f = names.get(p);
        return p.getParent() == null || (f != null && f.directory);
    }

    @Override
    public synchronized long size(Path file) throws IOException {
        return existing(file).length;
    }

    @Override
    public synchronized long lastModifiedMillis(Path file) throws IOException {
        return existing(file).modifiedMillis;
    }

    @Override
    public synchronized List<Path> list(Path dir) throws IOException {
        alive(generation);
        Path p = check(dir);
        SimFile d = names.get(p);
        if (d == null && p.getParent() != null) {
            throw new NoSuchFileException(p.toString());
        }
        if (d != null && !d.directory) {
            throw new NotDirectoryException(p.toString());
        }
        List<Path> out = new ArrayList<>();
        for (Path q : below(names, p)) {
            if (p.equals(q.getParent())) {
                out.add(q);
            }
        }
        return out;
    }

    @Override
    public synchronized byte[] readAllBytes(Path file) throws IOException {
        SimFile f = existing(file);
        if (f.directory) {
            throw new FileSystemException(file.toString(), null, "Is a directory");
        }
        return Arrays.copyOf(f.data, f.length);
    }

    private SimFile existing(Path file) throws NoSuchFileException {
        alive(generation);
        Path p = check(file);
        SimFile f = names.get(p);
        if (f == null) {
            throw new NoSuchFileException(p.toString());
        }
        return f;
    }

    // ---------------------------------------------------------------- channels' side (under this monitor)

    int read(SimFileChannel ch, ByteBuffer dst, long position) {
        alive(ch.generation());
        SimFile f = ch.file();
        if (position >= f.length) {
            return dst.hasRemaining() ? -1 : 0;
        }
        int n = (int) Math.min(dst.remaining(), f.length - position);
        dst.put(f.data, (int) position, n);
        return n;
    }

    int write(SimFileChannel ch, ByteBuffer src, long position) {
        op(Op.WRITE, ch.path(), ch.generation());
        SimFile f = ch.file();
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        int before = f.length;
        f.write(position, bytes);
        f.modifiedMillis = clock.milliseconds();
        if (f.length != before) {
            f.metaSeq = ++journalSeq;
        }
        return bytes.length;
    }

    long size(SimFileChannel ch) {
        alive(ch.generation());
        return ch.file().length;
    }

    void setLength(SimFileChannel ch, long length) {
        op(Op.SET_LENGTH, ch.path(), ch.generation());
        SimFile f = ch.file();
        f.setLength(length);
        f.modifiedMillis = clock.milliseconds();
        f.metaSeq = ++journalSeq;
    }

    void forceFile(SimFileChannel ch) {
        op(Op.FORCE, ch.path(), ch.generation());
        forceContent(ch.file());
    }

    private void forceContent(SimFile f) {
        f.force();
        if (!strictNames) {
            commit(f.metaSeq);
        }
    }

    @Override
    public synchronized String toString() {
        return "SimDisk(" + names.size() + " names, " + operations + " operations, " + crashes + " crashes"
                + (crashed ? ", crashed" : "") + ")";
    }
}
