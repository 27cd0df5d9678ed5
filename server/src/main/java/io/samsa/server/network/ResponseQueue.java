package io.samsa.server.network;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Keeps one connection's responses in request order. Clients pipeline requests (up to
 * max.in.flight.requests.per.connection) and handlers may complete them out of order (a produce waits
 * on a fsync while a metadata request answers at once); the client matches responses by order as well
 * as by correlation id, so responses leave in the order the requests arrived.
 *
 * <p>A response is a {@code ByteBuf}, or a {@code List} of parts ({@code ByteBuf} and
 * {@code FileRegion}) written back to back, as a fetch response with records sent by sendfile.
 *
 * <p>Not thread-safe: every method runs on the connection's event loop.
 */
final class ResponseQueue {

    /** One request's place in the queue. */
    static final class Slot {
        private Object response;
        private boolean done;
        private boolean discarded;
    }

    private final ArrayDeque<Slot> slots = new ArrayDeque<>();

    /** Reserves the next place, in arrival order. */
    Slot reserve() {
        Slot slot = new Slot();
        slots.addLast(slot);
        return slot;
    }

    int inFlight() {
        return slots.size();
    }

    /**
     * Completes {@code slot} with {@code response} (null when the request gets no response, such as
     * acks=0 produce) and writes every response that is now at the head of the queue. Takes ownership
     * of {@code response}.
     */
    void complete(Slot slot, Object response, Channel channel) {
        if (slot.discarded || slot.done) {
            release(response);
            return;
        }
        slot.response = response;
        slot.done = true;
        boolean wrote = false;
        while (!slots.isEmpty() && slots.peekFirst().done) {
            Slot head = slots.pollFirst();
            Object r = head.response;
            head.response = null;
            if (r == null) {
                continue;
            }
            if (!channel.isActive()) {
                release(r);
            } else if (r instanceof List<?> parts) {
                for (Object part : parts) {
                    channel.write(part, channel.voidPromise());
                }
                wrote = true;
            } else {
                channel.write(r, channel.voidPromise());
                wrote = true;
            }
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** Releases whatever is still queued; called when the connection closes. */
    void discard() {
        for (Slot slot : slots) {
            release(slot.response);
            slot.response = null;
            slot.discarded = true;
        }
        slots.clear();
    }

    private static void release(Object response) {
        if (response instanceof List<?> parts) {
            for (Object part : parts) {
                ReferenceCountUtil.release(part);
            }
        } else if (response != null) {
            ReferenceCountUtil.release(response);
        }
    }
}
