package io.samsa.testkit.leak;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

/** Makes every Netty leak detector a {@link RecordingLeakDetector}. Installed by {@link LeakRecorder#install}. */
final class RecordingLeakDetectorFactory extends ResourceLeakDetectorFactory {

    /** Netty still declares this overload abstract; {@code maxActive} has been ignored since 4.1. */
    @Override
    @Deprecated
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                               long maxActive) {
        return newResourceLeakDetector(resource, samplingInterval);
    }

    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
        return new RecordingLeakDetector<>(resource, samplingInterval);
    }
}
