package io.samsa.testkit.leak;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the leak gate when the JUnit Platform launcher session opens, before any test class (or anything it
 * touches) initializes Netty's buffer classes. Registered through META-INF/services.
 */
public final class LeakGateSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LeakRecorder.install();
    }
}
