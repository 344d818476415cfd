package dev.mailgateway.testkit;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that closes what a test registered, in reverse order, after each test
 * (also when the test failed). Use it as an instance field:
 * {@code @RegisterExtension final CloseAfterEach closer = new CloseAfterEach();} then
 * {@code closer.add(new Thing())}. The server extensions of this kit build on it.
 */
public class CloseAfterEach implements AfterEachCallback {

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Registers {@code resource} to be closed after the current test; returns it. */
    public final synchronized <T extends AutoCloseable> T add(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public final void afterEach(ExtensionContext context) throws Exception {
        List<AutoCloseable> toClose;
        synchronized (this) {
            toClose = new ArrayList<>(resources);
            resources.clear();
        }
        Exception first = null;
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
