package io.netstack.benchmarks.report;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ThreadProfileTest {
    /** Three samples of a loop thread, one of a thread whose name has a space; leaf frame first, as perf prints. */
    private static final String PERF_SCRIPT = """
            multiThreadIoEv 100
            \tffffffff81000001 tun_get_user
            \tffffffff81000002 io_submit_sqes
            \t00007f0000000001 int io.netty.channel.SingleThreadIoEventLoop.runIo()

            multiThreadIoEv 100
            \t00007f0000000002 void io.netstack.tap.IoUringTapIo.writeCompleted(int, int)
            \t00007f0000000003 void io.netstack.tap.IoUringTapIo.handle()
            \t00007f0000000003 void io.netstack.tap.IoUringTapIo.handle()
            \t00007f0000000001 int io.netty.channel.SingleThreadIoEventLoop.runIo()

            multiThreadIoEv 100
            \tffffffff81000001 tun_get_user
            \tffffffff81000002 io_submit_sqes

            G1 Conc#0 7
            \tffffffff81000009 clear_page_erms
            """;

    @Test
    void splitsSamplesByThreadAndBySpace() throws IOException {
        Map<String, ThreadProfile.ThreadSamples> threads = read();

        ThreadProfile.ThreadSamples loop = threads.get("multiThreadIoEv-100");
        assertEquals(3, loop.samples);
        assertEquals(2, loop.kernelSamples, "a sample is in the kernel when its leaf frame is");
        assertEquals(1, threads.get("G1 Conc#0-7").samples);
    }

    @Test
    void selfCountsTheLeafAndInclusiveEveryFunctionOnTheStackOnce() throws IOException {
        ThreadProfile.ThreadSamples loop = read().get("multiThreadIoEv-100");

        assertEquals(2, loop.self.get("tun_get_user"));
        assertEquals(1, loop.self.get("void io.netstack.tap.IoUringTapIo.writeCompleted(int, int)"));
        assertNull(loop.self.get("io_submit_sqes"));
        assertEquals(2, loop.inclusive.get("io_submit_sqes"));
        assertEquals(2, loop.inclusive.get("int io.netty.channel.SingleThreadIoEventLoop.runIo()"));
        assertEquals(1, loop.inclusive.get("void io.netstack.tap.IoUringTapIo.handle()"), "recursion counts once");
    }

    private static Map<String, ThreadProfile.ThreadSamples> read() throws IOException {
        return ThreadProfile.read(new BufferedReader(new StringReader(PERF_SCRIPT)));
    }
}
