package io.samsa.testkit.leak;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detector, except that a leak goes to {@link LeakRecorder} instead of the log (the gate's failure
 * carries the record), whatever the logging configuration: the stock detector reports only when its logger has
 * ERROR enabled.
 * Created by {@link RecordingLeakDetectorFactory}, once per resource type, by the class that owns that type's
 * detector (for buffers: {@code AbstractByteBuf}'s static initializer).
 */
final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LeakRecorder.record(new Leak(resourceType, records));
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LeakRecorder.record(new Leak(resourceType, ""));
    }
}
