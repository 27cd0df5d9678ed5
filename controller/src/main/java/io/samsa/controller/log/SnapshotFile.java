package io.samsa.controller.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.metadata.MetadataRecordSerde;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A snapshot of the whole metadata image as records, valid up to (not including) {@code endOffset}.
 * Written atomically (temp file, fsync, rename, fsync of the directory). Stateless helpers;
 * thread-safe.
 *
 * <pre>
 *   0  int32  magic 0x534d5350 ("SMSP")
 *   4  int16  version (0)
 *   6  int64  endOffset    the first log offset NOT contained in the snapshot
 *  14  int32  epoch        leader epoch of the last contained record
 *  18  int64  createdMs
 *  26  int32  recordCount
 *  30  records, each: int32 size, then size bytes (a framed record, see MetadataRecordSerde)
 *  end-4 int32 crc         CRC32C of every byte before it
 * </pre>
 * File name: {@code <endOffset, 20 digits>-<epoch, 10 digits>.checkpoint}.
 */
public final class SnapshotFile {
    public static final String SUFFIX = ".checkpoint";
    public static final String TEMP_SUFFIX = ".checkpoint.part";
    private static final int MAGIC = 0x534d5350;
    private static final int HEADER_SIZE = 30;
    private static final Pattern NAME = Pattern.compile("(\\d{20})-(\\d{10})\\.checkpoint");

    /** A snapshot read back from disk. */
    public record Loaded(Path path, long endOffset, int epoch, long createdMs, List<Message> records) {
    }

    private SnapshotFile() {
    }

    public static String fileName(long endOffset, int epoch) {
        return String.format("%020d-%010d%s", endOffset, epoch, SUFFIX);
    }

    /** The end offset encoded in a snapshot file name, or -1 when the name is not a snapshot's. */
    public static long endOffsetOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Writes the snapshot atomically into {@code dir} and returns its path. */
    public static Path write(Path dir, long endOffset, int epoch, long createdMs, List<Message> records)
            throws IOException {
        ByteWriter out = new ByteWriter(HEADER_SIZE + 64 * records.size());
        out.writeInt(MAGIC).writeShort(0).writeLong(endOffset).writeInt(epoch).writeLong(createdMs)
            .writeInt(records.size());
        for (Message record : records) {
            int sizePos = out.size();
            out.writeInt(0);
            ByteBuf framed = Unpooled.buffer(MetadataRecordSerde.size(record));
            try {
                MetadataRecordSerde.write(record, framed);
                out.writeBytes(framed.array(), framed.arrayOffset() + framed.readerIndex(), framed.readableBytes());
            } finally {
                framed.release();
            }
            out.putInt(sizePos, out.size() - sizePos - 4);
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.size());
        out.writeInt((int) crc.getValue());

        Path target = dir.resolve(fileName(endOffset, epoch));
        Path temp = dir.resolve(String.format("%020d-%010d%s", endOffset, epoch, TEMP_SUFFIX));
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = out.buffer();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MetadataLog.fsyncDirectory(dir);
        return target;
    }

    /** Reads and verifies a snapshot; throws {@link DecodeException} if it is corrupt. */
    public static Loaded read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new DecodeException("Snapshot " + file + " is too large: " + size + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file));
        if (buf.remaining() < HEADER_SIZE + 4) {
            throw new DecodeException("Snapshot " + file + " is truncated: " + buf.remaining() + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.remaining() - 4);
        int stored = buf.getInt(buf.remaining() - 4);
        if ((int) crc.getValue() != stored) {
            throw new DecodeException("Snapshot " + file + " fails its CRC check");
        }
        ByteBuffer body = ByteBuffer.wrap(buf.array(), 0, buf.remaining() - 4);
        ByteReader in = new ByteReader(body);
        if (in.readInt("snapshot magic") != MAGIC) {
            throw new DecodeException("Snapshot " + file + " has the wrong magic");
        }
        short version = in.readShort("snapshot version");
        if (version != 0) {
            throw new DecodeException("Snapshot " + file + " has unsupported version " + version);
        }
        long endOffset = in.readLong("snapshot end offset");
        int epoch = in.readInt("snapshot epoch");
        long createdMs = in.readLong("snapshot time");
        int count = in.readInt("snapshot record count");
        if (count < 0 || (long) count * 4 > in.remaining() || endOffset < 0) {
            throw new DecodeException("Snapshot " + file + " claims " + count + " record(s) in "
                + in.remaining() + " byte(s)");
        }
        List<Message> records = EntryFormat.readRecords(body, in, count);
        if (in.remaining() != 0) {
            throw new DecodeException("Snapshot " + file + " has " + in.remaining() + " trailing byte(s)");
        }
        return new Loaded(file, endOffset, epoch, createdMs, records);
    }
}
