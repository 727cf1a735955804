package dev.appl.runtime.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LibcTest {
    @Test
    void strerrorGivesLibcsMessages() {
        assertEquals("Address already in use", Libc.strerror(98));
        assertEquals("No such file or directory", Libc.strerror(2));
        assertEquals("Unknown error 4242", Libc.strerror(4242));
    }

    /** Each thread gets the message of its own error number, however the calls interleave. */
    @Test
    void strerrorIsSafeFromManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int errno = 5000 + t;
                Callable<Boolean> task = () -> {
                    for (int i = 0; i < 20_000; i++) {
                        if (!Libc.strerror(errno).equals("Unknown error " + errno)) {
                            return false;
                        }
                    }
                    return true;
                };
                results.add(pool.submit(task));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A process that opens a socket, reads its address and closes it makes the downcall handles of
     * those three calls alone (each costs generated code at start), not one for every call the
     * drivers might make; and as socket and getsockname take as many arguments, they share one stub.
     */
    @Test
    void downcallHandlesAreMadeOnFirstUse() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"), OneSocket.class.getName())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        Pattern holder = Pattern.compile(
                " " + Pattern.quote(Libc.class.getName()) + "\\$([A-Za-z0-9]+) ");
        List<String> holders = log.lines().map(holder::matcher).filter(Matcher::find)
                .map(m -> m.group(1)).sorted().toList();
        assertEquals(List.of("Close", "Getsockname", "Socket"), holders);
        assertEquals(2, log.lines().filter(l -> l.contains("jdk.internal.foreign.abi.DowncallStub/")).count(), log);
    }

    /** Opens one UDP socket, reads its address and closes it (run in a process of its own by the test above). */
    public static final class OneSocket {
        public static void main(String[] args) {
            int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM, 0);
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment address = arena.allocate(Libc.SOCKADDR_STORAGE);
                java.lang.foreign.MemorySegment length = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT,
                        (int) Libc.SOCKADDR_STORAGE);
                if (fd < 0 || Libc.getsockname(fd, address, length) != 0 || Libc.close(fd) != 0) {
                    System.exit(1);
                }
            }
        }
    }
}
