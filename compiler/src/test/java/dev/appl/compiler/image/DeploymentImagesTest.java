package dev.appl.compiler.image;

import static dev.appl.compiler.SampleFiles.assertSameTrace;
import static dev.appl.compiler.SampleFiles.expectedSummary;
import static dev.appl.compiler.SampleFiles.ports;
import static dev.appl.compiler.SampleFiles.sampleDir;
import static dev.appl.compiler.SampleFiles.spec;
import static dev.appl.compiler.SampleFiles.summary;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.appl.compiler.SampleFiles.Port;
import dev.appl.compiler.cli.Applc;
import dev.appl.runtime.launch.Descriptor;
import dev.appl.runtime.launch.ParamType;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code applc build --image jlink} and {@code --image oci} on the firewall sample, run for real:
 * the jlink launcher replays the sample's traces; the OCI archive passes {@code skopeo inspect}, is
 * unpacked with {@code umoci} and its entry point runs as the image's user with the unpacked root
 * file system as its root ({@code unshare --root}); both write exactly the expected traces. The
 * DNS sample's OCI image, run the same way, serves {@code dig} on loopback over UDP and TCP. Each
 * build is made once for the whole class (jlink is slow on small machines) and reused.
 *
 * <p>umoci, skopeo and running as root (for the namespaces) are what .ci/run provides; elsewhere
 * the tests that need them are skipped, but not in CI, where a missing tool fails them.
 */
class DeploymentImagesTest {
    private static final String SAMPLE = "firewall";

    @TempDir
    static Path builds;

    private static final Map<String, Run> BUILDS = new ConcurrentHashMap<>();

    private record Run(int exit, String out, String err) {}

    // ---- jlink -----------------------------------------------------------------------------------------

    @Test
    void theJlinkLauncherReplaysTheTraces(@TempDir Path tmp) throws IOException {
        Path image = build("jlink", "first");
        Path launcher = image.resolve("bin/firewall");
        assertTrue(Files.isExecutable(launcher));
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        for (Port p : ports(SAMPLE)) {
            command.addAll(List.of("--port", p.name() + "=pcap:" + p.trace() + ",out=" + tmp.resolve(p.name() + ".pcap")));
        }
        // The image's AOT cache must be usable where it is: AOTMode=on makes the JVM fail otherwise.
        Run run = run(sampleDir(SAMPLE), Map.of("JAVA_TOOL_OPTIONS", "-XX:AOTMode=on"), command);
        assertEquals(0, run.exit(), run.err());
        assertEquals("Firewall (compiled kernel)", run.out().lines().findFirst().orElse(""));
        assertEquals(expectedSummary(SAMPLE), summary(run.out()), run.out());
        assertTrue(run.err().contains("firewall: table `acl`: 7 entries loaded from rules.txt"), run.err());
        for (Port p : ports(SAMPLE)) {
            assertSameTrace(sampleDir(SAMPLE).resolve("expected").resolve(p.name() + ".pcap"),
                    tmp.resolve(p.name() + ".pcap"));
        }
    }

    @Test
    void theJlinkImageHasOnlyTheModulesTheApplianceNeedsAndNoHeadersOrManPages() throws IOException {
        Path image = build("jlink", "first");
        String release = Files.readString(image.resolve("release"), UTF_8);
        assertTrue(release.contains("\nMODULES=\"java.base\"\n"), release);
        assertFalse(Files.exists(image.resolve("include")));
        assertFalse(Files.exists(image.resolve("man")));
        assertTrue(Files.isRegularFile(image.resolve("lib/appl/firewall.jar")));
        assertTrue(Files.isRegularFile(image.resolve("lib/appl/firewall.aot")));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(image.resolve("bin/firewall"))));
    }

    @Test
    void twoJlinkBuildsAreTheSameFilesButTheAotCache() throws IOException {
        Map<String, String> first = tree(build("jlink", "first"));
        Map<String, String> second = tree(build("jlink", "second"));
        assertTrue(first.containsKey("lib/appl/firewall.aot") && second.containsKey("lib/appl/firewall.aot"));
        // The JVM writes the AOT cache differently on every training run (docs/compiler.md).
        first.remove("lib/appl/firewall.aot");
        second.remove("lib/appl/firewall.aot");
        assertEquals(first.keySet(), second.keySet());
        for (String file : first.keySet()) {
            assertEquals(first.get(file), second.get(file), file);
        }
    }

    // ---- OCI ------------------------------------------------------------------------------------------

    @Test
    void theOciEntryPointRunsInTheUnpackedRootFileSystemAsItsUser(@TempDir Path tmp) throws Exception {
        assumeTool("umoci");
        assumeRoot();
        Path rootfs = unpack(build("oci", "first"), "appl/firewall:latest", tmp);
        String config = Files.readString(tmp.resolve("bundle/config.json"), UTF_8);
        List<String> entrypoint = jsonStrings(config, "args");
        assertEquals(List.of("/opt/appl/bin/java", "-XX:-UsePerfData", "-XX:AOTCache=/opt/appl/lib/appl/firewall.aot",
                "-jar", "/opt/appl/lib/appl/firewall.jar"), entrypoint);
        String compact = config.replaceAll("\\s", "");
        assertTrue(compact.contains("\"user\":{\"uid\":65532,\"gid\":65532}"), config);
        assertTrue(compact.contains("\"cwd\":\"/srv/firewall\""), config);
        // No shell, no other program: only the JVM's launcher.
        try (Stream<Path> all = Files.walk(rootfs)) {
            List<String> programs = all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> p.toString().contains("/bin/")).map(p -> rootfs.relativize(p).toString()).sorted()
                    .toList();
            assertEquals(List.of("opt/appl/bin/java"), programs);
        }
        assertEquals("appl:x:65532:65532:appliance:/nonexistent:/nonexistent\n",
                Files.readString(rootfs.resolve("etc/passwd"), UTF_8));
        assertArrayEquals(Files.readAllBytes(sampleDir(SAMPLE).resolve("rules.txt")),
                Files.readAllBytes(rootfs.resolve("srv/firewall/rules.txt")));

        // The traces go in a folder the image's user may write; /proc is mounted, as a container has it.
        Path traces = rootfs.resolve("traces");
        Files.createDirectories(traces);
        Files.setPosixFilePermissions(traces, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--mount-proc",
                "--root=" + rootfs, "--wd=/srv/firewall", "--setgid=65532", "--setuid=65532"));
        command.add(entrypoint.getFirst());
        command.add("-XX:AOTMode=on");
        command.addAll(entrypoint.subList(1, entrypoint.size()));
        for (Port p : ports(SAMPLE)) {
            Files.copy(p.trace(), traces.resolve(p.trace().getFileName()));
            command.addAll(List.of("--port", p.name() + "=pcap:/traces/" + p.trace().getFileName() + ",out=/traces/out-"
                    + p.name() + ".pcap"));
        }
        Run run = run(tmp, Map.of(), command);
        assertEquals(0, run.exit(), String.join(" ", command) + "\n" + run.err());
        assertEquals(expectedSummary(SAMPLE), summary(run.out()), run.out());
        assertTrue(run.err().contains("firewall: table `acl`: 7 entries loaded from rules.txt"), run.err());
        for (Port p : ports(SAMPLE)) {
            assertSameTrace(sampleDir(SAMPLE).resolve("expected").resolve(p.name() + ".pcap"),
                    traces.resolve("out-" + p.name() + ".pcap"));
        }
    }

    @Test
    void theDnsSamplesOciEntryPointServesDigOnLoopbackFromItsRootFileSystem(@TempDir Path tmp) throws Exception {
        assumeTool("umoci");
        assumeTool("dig");
        assumeRoot();
        Run build = applc("build", sampleDir("dns").resolve("dns.appl").toString(), "-o", tmp.resolve("out").toString(),
                "--image", "oci");
        assertEquals(0, build.exit(), build.err());
        Path rootfs = unpack(tmp.resolve("out/dns.tar"), "appl/dns:latest", tmp);
        // The zone its param names by default is in the image, in the working folder.
        String zone = Files.readString(sampleDir("dns").resolve("example.test.zone"), UTF_8);
        assertEquals(zone, Files.readString(rootfs.resolve("srv/dns/example.test.zone"), UTF_8));
        // With neither traces nor tests that send packets, its AOT cache was trained serving its ports
        // live: it holds the drivers (their class names are among the cache's symbols).
        String cache = new String(Files.readAllBytes(rootfs.resolve("opt/appl/lib/appl/dns.aot")),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(cache.contains("dev/appl/runtime/io/UdpEndpoint"), "the cache has no UDP driver");
        assertTrue(cache.contains("dev/appl/runtime/io/TcpEndpoint"), "the cache has no TCP driver");
        List<String> entrypoint = jsonStrings(Files.readString(tmp.resolve("bundle/config.json"), UTF_8), "args");
        int udp = freePort();
        int tcp = freePort();
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child",
                "--mount-proc", "--root=" + rootfs, "--wd=/srv/dns", "--setgid=65532", "--setuid=65532"));
        command.addAll(entrypoint);
        command.addAll(List.of("--port", "udp=udp:127.0.0.1:" + udp, "--port", "tcp=tcp:127.0.0.1:" + tcp));
        Path log = tmp.resolve("dns.log");
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Matcher www = Pattern.compile("(?m)^www\\s+IN\\s+A\\s+(\\S+)$").matcher(zone);
            Matcher www6 = Pattern.compile("(?m)^www\\s+IN\\s+AAAA\\s+(\\S+)$").matcher(zone);
            assertTrue(www.find() && www6.find(), "the zone has www's addresses");
            Run answer = null;
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < until; ) {
                answer = run(tmp, Map.of(), List.of("dig", "@127.0.0.1", "-p", Integer.toString(udp), "+short", "+time=1",
                        "+tries=1", "www.example.test", "A"));
                if (answer.exit() == 0 && !answer.out().isBlank() || !server.isAlive()) {
                    break;
                }
                Thread.sleep(200);
            }
            assertTrue(server.isAlive(), "the appliance stopped:\n" + Files.readString(log, UTF_8));
            assertEquals(www.group(1) + "\n", answer.out(), answer.err() + Files.readString(log, UTF_8));
            Run overTcp = run(tmp, Map.of(), List.of("dig", "@127.0.0.1", "-p", Integer.toString(tcp), "+tcp", "+short",
                    "+time=2", "www.example.test", "AAAA"));
            assertEquals(www6.group(1) + "\n", overTcp.out(), overTcp.err());
        } finally {
            // unshare --fork ignores SIGTERM while it waits for its child: stop the appliance itself
            // (its clean shutdown), then make sure unshare is gone, or the server outlives the test.
            server.descendants().forEach(ProcessHandle::destroy);
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly(); // --kill-child takes the appliance down with it
                server.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void skopeoReadsTheArchiveAndItsLabels() throws Exception {
        assumeTool("skopeo");
        Path archive = build("oci", "first");
        Run inspect = run(builds, Map.of(), List.of("skopeo", "inspect", "oci-archive:" + archive));
        assertEquals(0, inspect.exit(), inspect.err());
        String spec = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(spec(SAMPLE))));
        assertTrue(inspect.out().contains("\"dev.appl.spec.sha256\": \"" + spec + "\""), inspect.out());
        assertTrue(inspect.out().contains("\"dev.appl.appliance\": \"Firewall\""), inspect.out());
        assertTrue(inspect.out().contains("\"dev.appl.params\": \"rules path = \\\"rules.txt\\\"\""), inspect.out());
        assertTrue(inspect.out().contains("\"Created\": \"2026-01-01T00:00:00Z\""), inspect.out());
        assertEquals(4, jsonStrings(inspect.out(), "Layers").size(), "libraries, jdk, appliance, aot-cache");
        // docker load's own format, beside the OCI layout: the same config and layers.
        Run untar = run(builds, Map.of(), List.of("tar", "-xOf", archive.toString(), "manifest.json"));
        assertEquals(0, untar.exit(), untar.err());
        List<String> layers = jsonStrings(inspect.out(), "Layers").stream().map(l -> "blobs/sha256/" + l.substring(7))
                .toList();
        assertEquals(layers, jsonStrings(untar.out(), "Layers"));
        assertEquals(List.of("appl/firewall:latest"), jsonStrings(untar.out(), "RepoTags"));
        Run config = run(builds, Map.of(), List.of("skopeo", "inspect", "--config", "oci-archive:" + archive));
        assertEquals(0, config.exit(), config.err());
        assertTrue(config.out().contains("\"User\": \"65532:65532\""), config.out());
    }

    @Test
    void twoOciBuildsWithoutTheAotCacheAreTheSameBytes() throws IOException {
        Path first = build("oci", "plain-first", "--no-aot-cache");
        Path second = build("oci", "plain-second", "--no-aot-cache");
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), first + " and " + second + " differ");
    }

    @Test
    void k8sWritesADeploymentThatRunsTheImageAsItsUser() throws IOException {
        build("oci", "first");
        String yaml = Files.readString(builds.resolve("oci-first/firewall.k8s.yaml"), UTF_8);
        assertTrue(yaml.contains("kind: Deployment\n"), yaml);
        assertTrue(yaml.contains("          image: appl/firewall:latest\n"), yaml);
        assertTrue(yaml.contains("        runAsUser: 65532\n"), yaml);
        assertTrue(yaml.contains("              drop: [\"ALL\"]\n"), yaml);
        assertFalse(yaml.contains("NET_RAW"), yaml);
        // The firewall only reads traces: nothing to put behind a Service.
        assertFalse(yaml.contains("kind: Service"), yaml);
        // Its working folder is a volume it can write (stores, traces); its rules file comes from the image.
        assertTrue(yaml.contains("      volumes:\n"), yaml);
        assertTrue(yaml.contains("        - name: state\n          emptyDir: {}\n"), yaml);
        assertTrue(yaml.contains("          workingDir: /srv/firewall/state\n          volumeMounts:\n"
                + "            - name: state\n              mountPath: /srv/firewall/state\n"), yaml);
        assertTrue(yaml.contains("            - \"--param\"\n            - \"rules=/srv/firewall/rules.txt\"\n"), yaml);
        String service = Kubernetes.yaml("dns", dns("udp:127.0.0.1:5353"), java.util.Set.of());
        assertTrue(service.contains("            - containerPort: 5353\n              protocol: UDP\n"), service);
        assertTrue(service.contains("kind: Service\n"), service);
        // Loopback is not what a Service reaches: the port listens on every address of the pod.
        assertTrue(service.contains("            - \"--port\"\n            - \"queries=udp:0.0.0.0:5353\"\n"), service);
        assertTrue(service.contains("    - name: udp-5353\n      port: 5353\n      targetPort: 5353\n      protocol: UDP\n"),
                service);
        // The zone is not beside the spec here, so not in the image: the param is left to its default.
        assertFalse(service.contains("zone="), service);
    }

    private static Descriptor dns(String binding) {
        return new Descriptor("Dns", "dev.appl.gen.Dns", "0.1.0", "dns.appl", "META-INF/appl/spec/dns.appl",
                "00", List.of(new Descriptor.Port("queries", "datagram", binding)),
                List.of(new Descriptor.Param("zone", ParamType.of(ParamType.Kind.PATH), "example.test.zone", false)),
                List.of(), List.of(), List.of(), List.of());
    }

    /** A port bound to loopback in the container is reached from nowhere else: the image exposes only the others. */
    @Test
    void theImageExposesOnlyPortsBoundBeyondLoopback() {
        assertEquals(List.of(), OciImage.exposedPorts(dns("udp:127.0.0.1:5353")));
        assertEquals(List.of(), OciImage.exposedPorts(dns("tcp:[::1]:5353")));
        assertEquals(List.of(com.google.cloud.tools.jib.api.buildplan.Port.udp(53)),
                OciImage.exposedPorts(dns("udp:0.0.0.0:53")));
        assertEquals(List.of(com.google.cloud.tools.jib.api.buildplan.Port.tcp(53)),
                OciImage.exposedPorts(dns("tcp:[::]:53")));
    }

    /** Packet sockets need CAP_NET_RAW, which Kubernetes gives a process only when it runs as root. */
    @Test
    void k8sKeepsNetRawForAnApplianceWithAfpacketPorts() {
        Descriptor bridge = new Descriptor("Bridge", "dev.appl.gen.Bridge", "0.1.0", "bridge.appl",
                "META-INF/appl/spec/bridge.appl", "00", List.of(new Descriptor.Port("wire", "packet", "afpacket:eth1")),
                List.of(), List.of(), List.of(), List.of(), List.of());
        String yaml = Kubernetes.yaml("bridge", bridge, java.util.Set.of());
        assertTrue(yaml.contains("              drop: [\"ALL\"]\n              add: [\"NET_RAW\"]\n"), yaml);
        assertTrue(yaml.contains("        runAsUser: 0\n"), yaml);
        assertFalse(yaml.contains("runAsNonRoot: true"), yaml);
    }

    /** The appliance's user owns its working folder in the image, so that it can make stores and traces there. */
    @Test
    void theWorkingFolderBelongsToTheAppliancesUser() throws IOException {
        Path archive = build("oci", "first");
        List<String> owned = new ArrayList<>();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(archive))) {
            org.apache.commons.compress.archivers.tar.TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.getName().startsWith("blobs/sha256/") || e.getSize() < 2) {
                    continue;
                }
                byte[] blob = tar.readAllBytes();
                if (blob[0] != (byte) 0x1f || blob[1] != (byte) 0x8b) {
                    continue; // not a layer: a manifest or config
                }
                try (var layer = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                        new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(blob)))) {
                    org.apache.commons.compress.archivers.tar.TarArchiveEntry f;
                    while ((f = layer.getNextEntry()) != null) {
                        if (f.getName().replaceFirst("^/", "").startsWith("srv/")) {
                            owned.add(f.getName().replaceFirst("^/", "") + " " + f.getLongUserId() + ":"
                                    + f.getLongGroupId() + (f.isDirectory() ? " " + Integer.toOctalString(f.getMode() & 0777)
                                    : ""));
                        }
                    }
                }
            }
        }
        assertTrue(owned.contains("srv/firewall/ 65532:65532 755"), owned.toString());
    }

    // ---- applc inspect ----------------------------------------------------------------------------------

    @Test
    void inspectAttributesEveryByteOfEachKindOfImage() throws IOException {
        byte[] spec = Files.readAllBytes(spec(SAMPLE));
        for (Path image : List.of(build("jar", "first"), build("jlink", "first"), build("oci", "first"))) {
            ImageReport report = ImageReport.of(image);
            assertEquals("Firewall", report.appliance().appliance());
            assertArrayEquals(spec, report.spec(), image.toString());
            long parts = 0;
            for (ImageReport.Part p : report.parts()) {
                assertTrue(p.bytes() >= 0, image + ": " + p);
                parts += p.bytes();
            }
            long size = Files.isDirectory(image) ? JlinkImage.size(image) : Files.size(image);
            assertEquals(size, report.total(), image.toString());
            assertEquals(size, parts, image + ": the parts add up to the image");
            List<String> names = report.parts().stream().map(ImageReport.Part::name).toList();
            assertTrue(names.contains(ImageReport.GENERATED) || report.parts().stream().anyMatch(
                    p -> p.inside().stream().anyMatch(in -> in.name().equals(ImageReport.GENERATED))), names.toString());
        }
        Run inspect = applc("inspect", build("jlink", "first").toString());
        assertEquals(0, inspect.exit(), inspect.err());
        String sha = HexFormat.of().formatHex(sha256(spec));
        assertTrue(inspect.out().startsWith("Firewall, runtime image\n  spec      firewall.appl (" + spec.length
                + " bytes)\n  sha256    " + sha + "\n  compiler  applc "), inspect.out());
        assertTrue(inspect.out().contains("\n  JDK modules (java.base) "), inspect.out());
        assertTrue(inspect.out().endsWith("spec firewall.appl:\n" + new String(spec, UTF_8)), inspect.out());
        Run specOnly = applc("inspect", "--spec", build("oci", "first").toString());
        assertEquals(new String(spec, UTF_8), specOnly.out());
    }

    @Test
    void inspectRefusesWhatIsNotAnImageInOneLine(@TempDir Path tmp) throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not an image", UTF_8);
        Run run = applc("inspect", text.toString());
        assertEquals(2, run.exit());
        assertEquals("applc: " + text + " is not an image applc built: neither a jar, a runtime image nor an OCI archive\n",
                run.err());
        Run missing = applc("inspect", tmp.resolve("nothing.tar").toString());
        assertEquals(2, missing.exit());
        assertEquals("applc: no image at " + tmp.resolve("nothing.tar") + "\n", missing.err());
        // A tar archive cut short: its first header is whole, its first entry is not.
        Path cut = tmp.resolve("cut.tar");
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(cut))) {
            var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("blobs/sha256/0");
            entry.setSize(4096);
            tar.putArchiveEntry(entry);
            tar.write(new byte[4096]);
            tar.closeArchiveEntry();
        }
        try (var ch = java.nio.channels.FileChannel.open(cut, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(1024);
        }
        Run truncated = applc("inspect", cut.toString());
        assertEquals(2, truncated.exit());
        assertTrue(truncated.err().startsWith("applc: " + cut + " is not a readable tar archive: "), truncated.err());
        assertEquals(1, truncated.err().lines().count(), truncated.err());
    }

    // ---- Errors ---------------------------------------------------------------------------------------

    @Test
    void optionsThatDoNotGoTogetherAreOneLineAndStatusTwo(@TempDir Path tmp) {
        Run k8s = applc("build", spec(SAMPLE).toString(), "-o", tmp.toString(), "--k8s");
        assertEquals(2, k8s.exit());
        assertEquals("applc: --k8s goes with --image oci: a Kubernetes Deployment runs an OCI image\n", k8s.err());
        Run kind = applc("build", spec(SAMPLE).toString(), "-o", tmp.toString(), "--image", "war");
        assertEquals(2, kind.exit());
        assertEquals("applc: --image takes jar, jlink or oci, not `war`\n", kind.err());
    }

    @Test
    void aJavaRuntimeWithoutJlinkIsOneClearLine(@TempDir Path jre) throws IOException {
        Files.createDirectories(jre.resolve("bin"));
        IOException e = assertThrows(IOException.class, () -> JlinkImage.tool(jre, "jlink"));
        assertEquals("this image needs jlink, which the Java runtime running applc (" + jre + ") does not have: run"
                + " applc on a full JDK " + Runtime.version().feature() + " (JAVA_HOME)", e.getMessage());
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "jlink"),
                JlinkImage.tool(Path.of(System.getProperty("java.home")), "jlink"));
    }

    @Test
    void aFolderInTheWayThatIsNotAnImageIsNeverDeleted(@TempDir Path tmp) throws IOException {
        Path mine = tmp.resolve("firewall");
        Files.createDirectories(mine);
        Files.writeString(mine.resolve("notes.txt"), "mine", UTF_8);
        Run run = applc("build", spec(SAMPLE).toString(), "-o", tmp.toString(), "--image", "jlink", "--no-aot-cache");
        assertEquals(2, run.exit());
        assertEquals("applc: cannot build the jlink image in " + tmp + ": " + mine + " exists and is not an image applc"
                + " built; move it away or choose another folder\n", run.err());
        assertEquals("mine", Files.readString(mine.resolve("notes.txt"), UTF_8));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(mine), left.toList(), "nothing half built is left behind");
        }
    }

    // ---- Helpers ---------------------------------------------------------------------------------------

    /** The sample built as {@code kind} into {@code builds/KIND-TAG}, once per class. */
    private static Path build(String kind, String tag, String... options) {
        Path dir = builds.resolve(kind + "-" + tag);
        List<String> args = new ArrayList<>(List.of("build", spec(SAMPLE).toString(), "-o", dir.toString(), "--image",
                kind));
        Path expected = switch (kind) {
            case "jar" -> dir.resolve("firewall.jar");
            case "jlink" -> dir.resolve("firewall");
            default -> dir.resolve("firewall.tar");
        };
        if (kind.equals("oci")) {
            args.add("--k8s");
        }
        args.addAll(List.of(options));
        Run build = BUILDS.computeIfAbsent(kind + "-" + tag, k -> applc(args.toArray(String[]::new)));
        assertEquals(0, build.exit(), "applc " + String.join(" ", args) + " failed:\n" + build.err());
        // Not on a terminal: no progress, only what was written.
        assertEquals("", build.err());
        Matcher m = Pattern.compile("(\\S+?)/? \\((\\d+) bytes\\)").matcher(build.out());
        assertTrue(m.find(), build.out());
        Path written = Path.of(m.group(1));
        assertEquals(expected, written);
        return written;
    }

    /**
     * Unpacks an OCI archive with umoci into {@code tmp/bundle} (config.json and rootfs/) and adds
     * the mount point for /proc, as a container runtime has it; returns the root file system.
     */
    private static Path unpack(Path archive, String tag, Path tmp) throws IOException {
        Path layout = tmp.resolve("layout");
        Files.createDirectories(layout);
        Run untar = run(tmp, Map.of(), List.of("tar", "-xf", archive.toString(), "-C", layout.toString()));
        assertEquals(0, untar.exit(), untar.err());
        Path bundle = tmp.resolve("bundle");
        Run unpack = run(tmp, Map.of(), List.of("umoci", "unpack", "--image", layout + ":" + tag, bundle.toString()));
        assertEquals(0, unpack.exit(), unpack.err());
        Path rootfs = bundle.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("proc"));
        return rootfs;
    }

    /** A port no one listens on now (on UDP and TCP), for a server started next. */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (java.net.DatagramSocket u = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
                int port = u.getLocalPort();
                try (java.net.ServerSocket t = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException busy) {
                    // Taken on TCP: try another.
                }
            }
        }
        throw new IOException("no free port on loopback");
    }

    /** Every file and folder under {@code root}: its mode, time and, for a file, a digest of its bytes. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                String what = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
                        + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        what += " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(Files.readAllBytes(p)));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new AssertionError(e);
                    }
                }
                files.put(root.relativize(p).toString(), what);
            }
        }
        return files;
    }

    /** The strings of the JSON array {@code "key": [...]} (no nesting: what skopeo and umoci print). */
    private static List<String> jsonStrings(String json, String key) {
        Matcher array = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
        assertTrue(array.find(), "no " + key + " in " + json);
        List<String> strings = new ArrayList<>();
        Matcher s = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(array.group(1));
        while (s.find()) {
            strings.add(s.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return strings;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void assumeTool(String tool) {
        boolean found = JlinkImage.onPath(tool) != null;
        if (!found && System.getenv("CI") != null) {
            fail(tool + " is not installed: .ci/run installs it");
        }
        Assumptions.assumeTrue(found, tool + " is not on the PATH (.ci/run installs it)");
    }

    private static void assumeRoot() throws IOException {
        Run id = run(builds, Map.of(), List.of("id", "-u"));
        boolean root = id.out().strip().equals("0");
        if (!root && System.getenv("CI") != null) {
            fail("the chroot test needs root, as CI runs");
        }
        Assumptions.assumeTrue(root, "running the OCI entry point in its root file system needs root");
    }

    private static Run applc(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new Applc());
        cli.setOut(new PrintWriter(new BufferedWriter(out), true));
        cli.setErr(new PrintWriter(new BufferedWriter(err), true));
        int exit = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        return new Run(exit, out.toString(), err.toString());
    }

    private static Run run(Path workDir, Map<String, String> env, List<String> command) throws IOException {
        Path out = Files.createTempFile(builds, "out", ".txt");
        Path err = Files.createTempFile(builds, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 120 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        return new Run(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }
}
