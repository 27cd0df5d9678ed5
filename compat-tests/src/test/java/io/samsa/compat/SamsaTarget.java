package io.samsa.compat;

import io.samsa.embedded.EmbeddedSamsa;

/** Samsa started in this JVM through the embedded-broker API, on a random loopback port. */
public final class SamsaTarget implements BrokerTarget {
    private final EmbeddedSamsa samsa;

    private SamsaTarget(EmbeddedSamsa samsa) {
        this.samsa = samsa;
    }

    public static SamsaTarget start() {
        return new SamsaTarget(EmbeddedSamsa.builder().start());
    }

    @Override
    public String name() {
        return "samsa";
    }

    @Override
    public String bootstrap() {
        return samsa.bootstrapServers();
    }

    @Override
    public void close() {
        samsa.close();
    }
}
