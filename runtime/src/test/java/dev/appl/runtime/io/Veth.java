package dev.appl.runtime.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A veth pair made for a test and removed after it: needs root (CAP_NET_ADMIN) and the {@code ip}
 * command (iproute2). IPv6 is off on both ends, so that the host sends nothing on them by itself.
 */
final class Veth implements AutoCloseable {
    final String a;
    final String b;

    private Veth(String a, String b) {
        this.a = a;
        this.b = b;
    }

    /** Why veth tests cannot run here, or null when they can. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root to make veth interfaces and packet sockets";
        }
        try {
            if (run(List.of("ip", "-V")) != 0) {
                return "the ip command (iproute2) does not work here";
            }
        } catch (IOException e) {
            return "the ip command (iproute2) is not installed";
        }
        return null;
    }

    static Veth create(String prefix) throws IOException {
        String suffix = Long.toString(ProcessHandle.current().pid() % 100_000);
        Veth v = new Veth(prefix + "a" + suffix, prefix + "b" + suffix);
        v.close(); // a pair left over by a killed run
        must(List.of("ip", "link", "add", v.a, "type", "veth", "peer", "name", v.b));
        for (String end : List.of(v.a, v.b)) {
            Path ipv6 = Path.of("/proc/sys/net/ipv6/conf", end, "disable_ipv6");
            if (Files.exists(ipv6)) {
                Files.writeString(ipv6, "1", StandardCharsets.US_ASCII);
            }
            must(List.of("ip", "link", "set", end, "up"));
        }
        return v;
    }

    static int run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static void must(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        run(List.of("ip", "link", "del", a));
    }
}
