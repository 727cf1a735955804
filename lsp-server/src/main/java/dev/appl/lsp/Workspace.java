package dev.appl.lsp;

import dev.appl.language.Compilation;
import dev.appl.language.resolve.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What the server knows: the open documents, the workspace folders, and the checked programs made
 * from them. Documents change on the protocol's thread; everything else is used only from the
 * server's one worker thread, so analyses need no locks.
 */
final class Workspace {
    /** Folders never searched for specs: build output and dependencies. */
    private static final Set<String> SKIPPED = Set.of(".git", "target", "node_modules", "out", ".vscode-test");

    private final Map<String, Document> open = new ConcurrentHashMap<>();
    private final Map<Path, Document> openByPath = new ConcurrentHashMap<>();
    private volatile List<Path> roots = List.of();
    private Path bundledStdlib;
    private final Map<String, Cached> analyses = new ConcurrentHashMap<>();
    private Analysis everything;
    /** Bumped by every change to what a compilation may read; the workspace analysis is redone when it moved. */
    private volatile long generation;
    private long everythingGeneration = -1;

    void setRoots(List<Path> roots) {
        this.roots = List.copyOf(roots);
        generation++;
    }

    List<Path> roots() {
        return roots;
    }

    void put(Document doc) {
        Document previous = open.put(doc.uri(), doc);
        if (previous != null && !previous.path().equals(doc.path())) {
            openByPath.remove(previous.path());
        }
        openByPath.put(doc.path(), doc);
        generation++;
    }

    void close(String uri) {
        Document doc = open.remove(uri);
        if (doc != null) {
            openByPath.remove(doc.path());
        }
        generation++;
    }

    /** A file changed on disk (saved, or changed by another program). */
    void changedOnDisk() {
        analyses.clear();
        generation++;
    }

    Document document(String uri) {
        return open.get(uri);
    }

    Document documentAt(Path path) {
        return openByPath.get(path);
    }

    List<Document> documents() {
        return new ArrayList<>(open.values());
    }

    /** The URI to report a file under: the client's own for an open document. */
    String uriOf(Path file) {
        Document doc = openByPath.get(file);
        return doc != null ? doc.uri() : file.toUri().toString();
    }

    /** The checked program of an open document and what it imports, for its current text. */
    Analysis analysis(Document doc) {
        Document current = open.getOrDefault(doc.uri(), doc);
        Cached cached = analyses.get(current.uri());
        if (cached != null && cached.read().equals(versionsOf(cached.analysis().files()))) {
            return cached.analysis();
        }
        Compilation compilation = new Compilation(stdlibFor(current.path()), this::read, true);
        compilation.add(current.path(), current.text());
        Analysis analysis = new Analysis(compilation.check());
        analyses.put(current.uri(), new Cached(analysis, versionsOf(analysis.files())));
        return analysis;
    }

    /** An analysis and the versions of the open documents it read (-1: read from disk). */
    private record Cached(Analysis analysis, Map<Path, Integer> read) {}

    private Map<Path, Integer> versionsOf(Set<Path> files) {
        Map<Path, Integer> versions = new java.util.HashMap<>();
        for (Path f : files) {
            Document d = openByPath.get(f);
            versions.put(f, d == null ? -1 : d.version());
        }
        return versions;
    }

    void forget(String uri) {
        analyses.remove(uri);
    }

    /** The open documents whose last analysis read {@code file}, besides the document itself. */
    List<Document> importersOf(Path file) {
        List<Document> out = new ArrayList<>();
        for (Document d : open.values()) {
            Cached c = analyses.get(d.uri());
            if (!d.path().equals(file) && c != null && c.analysis().files().contains(file)) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Every spec of the workspace folders and every open document in one compilation, for what
     * must see all of them: references, rename, workspace symbols, checking the workspace.
     */
    Analysis everything() {
        if (everything != null && everythingGeneration == generation) {
            return everything;
        }
        long at = generation;
        Compilation compilation = new Compilation(stdlibFor(roots.isEmpty() ? Path.of("") : roots.getFirst()),
                this::read, true);
        for (Path file : workspaceFiles()) {
            Document doc = openByPath.get(file);
            if (doc != null) {
                compilation.add(file, doc.text());
            } else {
                try {
                    compilation.add(file);
                } catch (IOException e) {
                    // Unreadable files are left out; a spec that imports one reports it.
                }
            }
        }
        for (Document doc : open.values()) {
            compilation.add(doc.path(), doc.text());
        }
        everything = new Analysis(compilation.check());
        everythingGeneration = at;
        return everything;
    }

    /** The .appl files below the workspace folders. */
    List<Path> workspaceFiles() {
        List<Path> files = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> p.toString().endsWith(".appl") && Files.isRegularFile(p)
                                && root.relativize(p).getNameCount() > 0
                                && java.util.stream.StreamSupport.stream(root.relativize(p).spliterator(), false)
                                        .noneMatch(part -> SKIPPED.contains(part.toString())))
                        .map(p -> p.toAbsolutePath().normalize())
                        .sorted()
                        .forEach(files::add);
            } catch (IOException | UncheckedIOException e) {
                // A folder that cannot be listed contributes nothing.
            }
        }
        return files;
    }

    /** The stdlib a file is checked against: the {@code stdlib} folder it lies in, or the packaged one. */
    Path stdlibFor(Path file) {
        Path enclosing = StdlibFolder.enclosing(file);
        return enclosing != null ? enclosing : bundledStdlib();
    }

    Path bundledStdlib() {
        if (bundledStdlib == null) {
            try {
                bundledStdlib = StdlibFolder.extract();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot unpack the standard library", e);
            }
        }
        return bundledStdlib;
    }

    /** A spec that touches the parser, the stdlib's loading and every check, for {@link #warmUp}. */
    private static final String WARM_UP = """
            import std.net.ethernet.{Ethernet, EtherType}
            import std.net.ipv4.{Ipv4, IpProto}

            appliance WarmUp {
                port inside: packet
                counter seen

                parser Headers(p: packet) {
                    extract eth: Ethernet
                    select eth.type {
                        EtherType.Ipv4 => ipv4,
                        _ => accept,
                    }
                    state ipv4 {
                        extract ip: Ipv4
                        accept
                    }
                }

                on packet p from inside {
                    let h = Headers(p)
                    if h.ip.valid and h.ip.protocol == IpProto.Udp {
                        seen += 1
                    }
                    drop
                }
            }
            """;

    /** Unpacks the stdlib and checks a small spec, so that the first document is checked by warm code. */
    void warmUp() {
        Compilation compilation = new Compilation(bundledStdlib(), this::read, true);
        compilation.add(bundledStdlib().resolveSibling("warm-up.appl"), WARM_UP);
        compilation.check();
    }

    /** Reads what a compilation imports: an open document's text, or the file on disk. */
    private byte[] read(Path path) throws IOException {
        Document doc = openByPath.get(path.toAbsolutePath().normalize());
        return doc != null ? doc.text().getBytes(StandardCharsets.UTF_8) : Files.readAllBytes(path);
    }

    /** The module of an open document in its analysis. */
    Module moduleOf(Analysis analysis, Document doc) {
        return analysis.moduleAt(doc.path());
    }
}
