package dev.appl.compiler.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * A test topology made of network namespaces and veth pairs, removed by {@link #close}: an
 * appliance between two wires sees them as interfaces of the test's own namespace, and the hosts at
 * the far ends of the wires live in namespaces of their own. Sockets of a far host are made on a
 * thread moved into its namespace with setns(2), so that tests need no process per host.
 */
final class Netns implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();

    /** Why namespace tests cannot run here, or null when they can. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root for network namespaces, veth pairs and packet sockets";
        }
        for (List<String> probe : List.of(List.of("ip", "-V"), List.of("ethtool", "--version"),
                List.of("ping", "-V"))) {
            try {
                if (run(probe) != 0) {
                    return probe.getFirst() + " does not work here";
                }
            } catch (IOException e) {
                return probe.getFirst() + " is not installed (iproute2, ethtool, iputils-ping)";
            }
        }
        String name = "aplprobe" + ProcessHandle.current().pid() % 10_000;
        try {
            if (run(List.of("ip", "netns", "add", name)) != 0) {
                return "network namespaces cannot be made here";
            }
            run(List.of("ip", "netns", "del", name));
        } catch (IOException e) {
            return "network namespaces cannot be made here: " + e.getMessage();
        }
        return null;
    }

    /** A namespace named {@code name} with its loopback up. */
    void namespace(String name) throws IOException {
        run(List.of("ip", "netns", "del", name)); // left over by a killed run
        must("ip", "netns", "add", name);
        namespaces.add(name);
        must("ip", "-n", name, "link", "set", "lo", "up");
    }

    /**
     * A wire from interface {@code here} (in this namespace, up, without an address) to interface
     * {@code there} in namespace {@code ns}, which gets {@code address} (CIDR). IPv6 is off on both
     * ends, so that nothing but the test's traffic crosses the wire, and the far end computes its
     * checksums and segments itself (what a packet socket forwards must be complete frames).
     */
    void wire(String here, String ns, String there, String address) throws IOException {
        run(List.of("ip", "link", "del", here));
        must("ip", "link", "add", here, "type", "veth", "peer", "name", there, "netns", ns);
        links.add(here);
        sysctl("/proc/sys/net/ipv6/conf/" + here + "/disable_ipv6");
        must("ip", "link", "set", here, "up");
        must("ip", "netns", "exec", ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + there + "/disable_ipv6");
        must("ip", "-n", ns, "link", "set", there, "up");
        must("ip", "-n", ns, "addr", "add", address, "dev", there);
        must("ip", "netns", "exec", ns, "ethtool", "-K", there, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
    }

    private static void sysctl(String file) throws IOException {
        java.nio.file.Path p = java.nio.file.Path.of(file);
        if (java.nio.file.Files.exists(p)) {
            java.nio.file.Files.writeString(p, "1");
        }
    }

    /** Runs {@code work} on a thread inside namespace {@code ns}: the sockets it opens belong there. */
    static <T> T in(String ns, Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            enter(ns);
            return work.call();
        });
        Thread t = new Thread(task, "in-" + ns);
        t.start();
        try {
            return task.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private static void enter(String ns) throws Exception {
        try {
            setns(ns);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void setns(String ns) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        MethodHandle setns = linker.downcallHandle(linker.defaultLookup().find("setns").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom("/run/netns/" + ns);
            int fd = (int) open.invokeExact(path, 0);
            if (fd < 0) {
                throw new IOException("cannot open namespace " + ns);
            }
            int r = (int) setns.invokeExact(fd, CLONE_NEWNET);
            int ignored = (int) close.invokeExact(fd);
            if (r != 0) {
                throw new IOException("cannot enter namespace " + ns);
            }
        }
    }

    /** Runs a command in namespace {@code ns}; returns its exit status and output. */
    static Result exec(String ns, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return new Result(p.exitValue(), output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    record Result(int status, String output) {}

    static int run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static void must(String... command) throws IOException {
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
        for (String link : links) {
            run(List.of("ip", "link", "del", link));
        }
        for (String ns : namespaces) {
            run(List.of("ip", "netns", "del", ns));
        }
    }
}
