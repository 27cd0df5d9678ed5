package io.samsa.log.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writable index starts small and grows its file and mapping on demand, up to its maximum size. */
class IndexGrowthTest {
    private static final int MAX_BYTES = 10 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void offsetIndexStartsSmallAndGrowsKeepingEveryEntry() throws Exception {
        Path f = dir.resolve("00000000000000000100.index");
        OffsetIndex idx = new OffsetIndex(f, 100, MAX_BYTES, true);
        try {
            assertEquals(AbstractIndex.INITIAL_BYTES, Files.size(f));
            assertEquals(MAX_BYTES / OffsetIndex.ENTRY_SIZE, idx.maxEntries());
            int n = 5000; // 40,000 bytes: several doublings past the initial 4 KiB
            for (int i = 0; i < n; i++) {
                idx.append(100 + 10L * i, 100 * i + 1);
            }
            assertEquals(n, idx.entries());
            assertEquals(65536, Files.size(f));
            for (int i = 0; i < n; i += 97) {
                assertEquals(100 * i + 1, idx.lookup(100 + 10L * i + 5));
            }
            assertEquals(100 + 10L * (n - 1), idx.lastOffset());
            assertEquals(100 * (n - 1) + 1, idx.lastPosition());
            idx.trimToValidSize();
            assertEquals((long) n * OffsetIndex.ENTRY_SIZE, Files.size(f));
        } finally {
            idx.close();
        }
        OffsetIndex ro = new OffsetIndex(f, 100, MAX_BYTES, false);
        try {
            assertEquals(5000, ro.entries());
            assertEquals(4900 * 100 + 1, ro.lookup(100 + 10L * 4900));
        } finally {
            ro.close();
        }
    }

    @Test
    void offsetIndexIsFullAtItsMaximumSize() throws Exception {
        OffsetIndex idx = new OffsetIndex(dir.resolve("0.index"), 0, 64 * OffsetIndex.ENTRY_SIZE, true);
        try {
            for (int i = 0; i < 64; i++) {
                idx.append(i, i * 10);
            }
            assertTrue(idx.isFull());
            assertEquals(64L * OffsetIndex.ENTRY_SIZE, Files.size(dir.resolve("0.index")));
            assertThrows(IllegalStateException.class, () -> idx.append(64, 640));
        } finally {
            idx.close();
        }
    }

    @Test
    void timeIndexGrowsAndKeepsTheReservedFinalSlot() throws Exception {
        Path f = dir.resolve("0.timeindex");
        int maxEntries = 1000;
        TimeIndex idx = new TimeIndex(f, 0, maxEntries * TimeIndex.ENTRY_SIZE, true);
        try {
            assertEquals(AbstractIndex.INITIAL_BYTES - AbstractIndex.INITIAL_BYTES % TimeIndex.ENTRY_SIZE,
                    Files.size(f));
            for (int i = 0; i < 2000; i++) {
                idx.maybeAppend(1_000 + i, i);
            }
            assertEquals(maxEntries - 1, idx.entries());
            assertTrue(idx.isFull());
            assertEquals(1_000L + 500, idx.lookupBelow(1_000 + 501) + 1_000);
            idx.appendFinal(5_000, 1999);
            assertEquals(maxEntries, idx.entries());
            assertEquals(5_000, idx.lastTimestamp());
            assertEquals((long) maxEntries * TimeIndex.ENTRY_SIZE, Files.size(f));
        } finally {
            idx.close();
        }
    }
}
