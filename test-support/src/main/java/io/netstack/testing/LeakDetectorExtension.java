package io.netstack.testing;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fails a test class when Netty's leak detector reports a buffer that was never released.
 *
 * <p>The detector only notices a leak when the garbage collector has cleared the buffer and a later allocation polls
 * its queue, so after each class this collects garbage and allocates a few tracked buffers before looking. Tests run
 * at {@code PARANOID} level (set by surefire), where every buffer is tracked. The one exception is a Jazzer fuzzing
 * run ({@code JAZZER_FUZZ} set, which turns the detector down through the pom's fuzz profile) of a class of fuzz
 * tests: those count their buffers themselves, and tracking would slow them many times over.
 */
public final class LeakDetectorExtension implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new ArrayList<>();

    static {
        ByteBufUtil.setLeakListener((resourceType, records) -> {
            synchronized (LEAKS) {
                LEAKS.add(resourceType + " leaked:\n" + records);
            }
        });
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID
                && !(isFuzzingRun() && hasFuzzTests(context.getRequiredTestClass()))) {
            throw new IllegalStateException("tests must run with -Dio.netty.leakDetection.level=PARANOID, not "
                    + ResourceLeakDetector.getLevel());
        }
        synchronized (LEAKS) {
            LEAKS.clear();
        }
    }

    private static boolean isFuzzingRun() {
        String fuzz = System.getenv("JAZZER_FUZZ");
        return fuzz != null && !fuzz.isEmpty();
    }

    private static boolean hasFuzzTests(Class<?> testClass) {
        return Arrays.stream(testClass.getDeclaredMethods())
                .anyMatch(method -> method.isAnnotationPresent(FuzzTest.class));
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(20);
            pollDetectors();
        }
        synchronized (LEAKS) {
            if (!LEAKS.isEmpty()) {
                String report = String.join("\n", LEAKS);
                LEAKS.clear();
                throw new AssertionError(context.getDisplayName() + " leaked buffers:\n" + report);
            }
        }
    }

    /** Each tracked allocation makes the detector drain its queue of collected, unreleased buffers. */
    private static void pollDetectors() {
        for (ByteBufAllocator allocator : new ByteBufAllocator[] {
                ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT}) {
            ByteBuf direct = allocator.directBuffer(1);
            ByteBuf heap = allocator.heapBuffer(1);
            direct.release();
            heap.release();
        }
    }
}
