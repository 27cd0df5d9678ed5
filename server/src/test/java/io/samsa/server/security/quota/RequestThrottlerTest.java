package io.samsa.server.security.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.metadata.ClientQuotaEntity;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.security.Principal;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.ProduceResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RequestThrottlerTest {
    private final AtomicReference<MetadataImage> image = new AtomicReference<>(MetadataImage.EMPTY);
    private final RequestThrottler throttler = new RequestThrottler(new ClientQuotas(image::get, new ManualClock(0),
            11, 1));

    private void set(String key, double value) {
        image.set(MetadataDelta.replayAll(image.get(), List.of(ClientQuotaEntity.of(true, "alice", false, null)
                .toRecord(key, value)), image.get().offset() + 1, 1));
    }

    private static RequestContext ctx(int apiKey, int version) {
        return new RequestContext((short) apiKey, (short) version, 1, "app", "PLAINTEXT", null,
                Principal.user("alice"), null, null, null, 0);
    }

    private static FetchResponse fetchResponse() {
        FetchResponse r = new FetchResponse();
        r.responses().add(new FetchResponse.FetchableTopicResponse().setTopic("t".repeat(200)));
        return r;
    }

    @Test
    void withoutQuotasNothingIsCountedOrThrottled() {
        ProduceResponse resp = new ProduceResponse();
        assertEquals(0, throttler.throttle(ctx(0, 9), new ProduceRequest(), resp, 1 << 30, 1_000_000_000L));
        assertEquals(0, resp.throttleTimeMs());
    }

    @Test
    void produceBytesAreCountedAndTheThrottleSetWhereTheVersionCarriesIt() {
        set("producer_byte_rate", 100);
        ProduceResponse first = new ProduceResponse();
        // 1000 bytes over the 10 s minimum span: at the quota.
        assertEquals(0, throttler.throttle(ctx(0, 9), new ProduceRequest(), first, 1000, 0));
        ProduceResponse second = new ProduceResponse();
        assertEquals(10_000, throttler.throttle(ctx(0, 9), new ProduceRequest(), second, 1000, 0));
        assertEquals(10_000, second.throttleTimeMs());
        // v0 has no throttle time: the connection is still muted, the field stays 0.
        ProduceResponse v0 = new ProduceResponse();
        assertTrue(throttler.throttle(ctx(0, 0), new ProduceRequest(), v0, 1000, 0) > 0);
        assertEquals(0, v0.throttleTimeMs());
    }

    @Test
    void aThrottledFetchIsAnsweredEmptyAndNotCountedAndFollowersAreExempt() {
        // 5 B/s: 50 bytes over the 10 s span, more than an empty response and less than one with a topic.
        set("consumer_byte_rate", 5);
        FetchResponse follower = fetchResponse();
        assertEquals(0, throttler.throttle(ctx(1, 12), new FetchRequest().setReplicaId(2), follower, 100, 0));
        assertEquals(1, follower.responses().size());
        FetchResponse consumer = fetchResponse();
        long throttle = throttler.throttle(ctx(1, 12), new FetchRequest().setReplicaId(-1), consumer, 100, 0);
        assertTrue(throttle > 0);
        assertEquals(0, consumer.responses().size());
        assertEquals(throttle, consumer.throttleTimeMs());
        // The dropped response was not counted: an empty one passes.
        assertEquals(0, throttler.throttle(ctx(1, 12), new FetchRequest().setReplicaId(-1), new FetchResponse(),
                100, 0));
    }

    @Test
    void requestPercentageCountsHandlerTimeOfEveryApi() {
        set("request_percentage", 10);
        // 10% of one thread over the 10 s span is 1 s of handler time: 0.5 s passes, the next 1 s does not.
        assertEquals(0, throttler.throttle(ctx(3, 12), new MetadataRequest(), new MetadataResponse(), 0,
                TimeUnit.MILLISECONDS.toNanos(500)));
        MetadataResponse resp = new MetadataResponse();
        long throttle = throttler.throttle(ctx(3, 12), new MetadataRequest(), resp, 0, TimeUnit.SECONDS.toNanos(1));
        // 1.5 s in 10 s is 15%: (15 - 10) / 10 * 10 s.
        assertEquals(5000, throttle);
        assertEquals(5000, resp.throttleTimeMs());
    }
}
