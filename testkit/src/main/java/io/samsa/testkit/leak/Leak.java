package io.samsa.testkit.leak;

/**
 * One leak that Netty's detector reported: a reference-counted object of {@code resourceType} became unreachable
 * before its last {@code release()}. {@code records} is the detector's trace (where it was created and, with
 * paranoid detection, where it was last touched); empty when the object was not tracked.
 */
public record Leak(String resourceType, String records) {

    /** A readable paragraph for a test failure. */
    public String describe() {
        if (records.isEmpty()) {
            return "LEAK: a " + resourceType + " was garbage-collected before release() (not tracked: run with"
                    + " -Dio.netty.leakDetection.level=paranoid to see where it was created)";
        }
        return "LEAK: a " + resourceType + " was garbage-collected before release()."
                + records;
    }
}
