package io.netstack.handler;

import io.netstack.tap.testing.Command;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * tshark as the kernel tests run it, an independent reader of the pcap file a host under test wrote: the packets it
 * finds malformed or warns about, and the fields it dissects.
 */
final class Tshark {
    /** The packets tshark finds malformed. */
    static final String MALFORMED = "_ws.malformed";
    /** Those, and the packets it warns about, e.g. for a wrong checksum or lengths that disagree. */
    static final String MALFORMED_OR_WARNED = "_ws.malformed || _ws.expert.severity >= warning";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Tshark() {
    }

    /** Fails the test if tshark selects any packet of {@code pcapFile} with {@code filter}, e.g. {@link #MALFORMED}. */
    static void assertNone(Path pcapFile, String filter) {
        assertEquals("", run(pcapFile, "-Y", filter).strip(), "tshark finds packets matching " + filter);
    }

    /**
     * tshark's {@code -T fields} output: a line for each packet of {@code pcapFile} that {@code filter} selects
     * ({@code null}: every packet), its fields separated by tabs unless {@code options} (tshark's {@code -E ...})
     * say otherwise.
     */
    static List<String> fields(Path pcapFile, String filter, List<String> fields, String... options) {
        List<String> args = new ArrayList<>();
        if (filter != null) {
            args.addAll(List.of("-Y", filter));
        }
        args.addAll(List.of("-T", "fields"));
        args.addAll(List.of(options));
        for (String field : fields) {
            args.addAll(List.of("-e", field));
        }
        return run(pcapFile, args.toArray(String[]::new)).lines().toList();
    }

    private static String run(Path pcapFile, String... args) {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", pcapFile.toString()));
        command.addAll(List.of(args));
        return Command.run(TIMEOUT, command);
    }
}
