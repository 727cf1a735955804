package dev.appl.language.resolve;

import dev.appl.language.ast.CompilationUnit;
import dev.appl.language.ast.Decl;
import dev.appl.language.ast.Name;
import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Note;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import dev.appl.language.syntax.Parsing;
import dev.appl.language.types.BuiltinTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * Loads modules and binds their imports. {@code std.*} modules come from the stdlib (the compiler's
 * resources, or a folder on disk when one is given); any other import path is relative to the
 * importing file's folder. Each module is loaded once; import cycles are reported where they close.
 */
public final class ModuleLoader {
    /** Reads a file; the language server passes one that sees unsaved editor buffers. */
    public interface SourceReader {
        byte[] read(Path path) throws IOException;
    }

    private static final String STDLIB_RESOURCE = "stdlib/";
    private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Path stdlibDir;
    private final SourceReader reader;
    private final Diagnostics diagnostics;
    private final Map<String, Module> loaded = new LinkedHashMap<>();
    private final SequencedSet<String> inProgress = new LinkedHashSet<>();

    /** @param stdlibDir a folder holding {@code std/}, or null to use the stdlib packaged with the compiler */
    public ModuleLoader(Path stdlibDir, SourceReader reader, Diagnostics diagnostics) {
        this.stdlibDir = stdlibDir == null ? null : stdlibDir.toAbsolutePath().normalize();
        this.reader = reader;
        this.diagnostics = diagnostics;
    }

    public ModuleLoader(Diagnostics diagnostics) {
        this(null, Files::readAllBytes, diagnostics);
    }

    public Collection<Module> modules() {
        return loaded.values();
    }

    /**
     * Loads a file named by the user, and everything it imports.
     *
     * @throws IOException if the file itself cannot be read (a missing import is a diagnostic)
     */
    public Module load(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        String stdName = stdModuleName(absolute);
        String key = stdName != null ? stdName : absolute.toString();
        Module existing = loaded.get(key);
        if (existing != null) {
            return existing;
        }
        byte[] bytes = reader.read(file);
        String name = stdName != null ? stdName : stem(absolute);
        return define(key, name, absolute, file.toString(), bytes);
    }

    /** Loads a module from text that is not on disk (tests, the language server's scratch buffers). */
    public Module load(Path file, String text) {
        Path absolute = file.toAbsolutePath().normalize();
        String key = absolute.toString();
        Module existing = loaded.get(key);
        return existing != null ? existing
                : define(key, stem(absolute), absolute, file.toString(), text.getBytes(StandardCharsets.UTF_8));
    }

    private Module define(String key, String name, Path absolute, String displayName, byte[] bytes) {
        Source source = new Source(displayName, decode(displayName, bytes));
        Module module = new Module(name, absolute, Parsing.parse(source, diagnostics));
        loaded.put(key, module);
        inProgress.add(key);
        try {
            declare(module);
            for (CompilationUnit.Import imp : module.parse().unit().imports()) {
                bindImport(module, imp);
            }
        } finally {
            inProgress.remove(key);
        }
        return module;
    }

    private String decode(String name, byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return strict.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // Decode with replacement characters so the rest of the file is still checked, and
            // point at the first bad byte.
            int bad = firstMalformedByte(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int at = new String(bytes, 0, bad, StandardCharsets.UTF_8).length();
            Source source = new Source(name, text);
            diagnostics.report(DiagnosticCode.INVALID_UTF8, new Span(source, at, Math.min(at + 1, text.length())), bad);
            return text;
        }
    }

    private static int firstMalformedByte(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : bytes.length;
    }

    /** Enters a module's own declarations, reporting duplicates and reserved names. */
    private void declare(Module module) {
        for (Decl decl : module.decls()) {
            String name = decl.name().text();
            if (isTypeDeclaration(decl) && BuiltinTypes.isBuiltin(name)) {
                diagnostics.report(DiagnosticCode.RESERVED_NAME, decl.name().span(), name);
                continue;
            }
            Symbol previous = module.declarations.putIfAbsent(name, new Symbol.DeclSymbol(decl, module));
            if (previous != null) {
                duplicate(decl.name(), previous);
            }
        }
        module.scope.putAll(module.declarations);
    }

    /** Enums, headers, structs and parsers name types, so they may not take a built-in type's name. */
    public static boolean isTypeDeclaration(Decl decl) {
        return decl instanceof Decl.Enum || decl instanceof Decl.Header || decl instanceof Decl.Struct
                || decl instanceof Decl.Parser;
    }

    private void duplicate(Name name, Symbol previous) {
        diagnostics.report(DiagnosticCode.DUPLICATE_NAME, name.span(), name.text());
        if (previous.declaredAt() != null) {
            diagnostics.noteLast(Note.at(previous.declaredAt(), "first declared here"));
        }
    }

    private void bindImport(Module module, CompilationUnit.Import imp) {
        if (imp.path().stream().anyMatch(n -> !IDENTIFIER.matcher(n.text()).matches())) {
            return; // a syntax error, already reported; recovery can leave odd text in a name
        }
        String path = imp.modulePath();
        Span at = imp.path().getFirst().span().to(imp.path().getLast().span());
        Module target = resolve(module, imp.path(), at);
        if (target == null) {
            return;
        }
        if (imp.importsModule()) {
            bind(module, imp.boundName(), new Symbol.ModuleSymbol(target, imp.boundName()));
            return;
        }
        for (CompilationUnit.ImportItem item : imp.items()) {
            Symbol symbol = target.declared(item.name().text());
            if (symbol == null) {
                diagnostics.report(DiagnosticCode.NOT_IN_MODULE, item.name().span(), path, item.name().text());
                continue;
            }
            bind(module, item.boundName(), symbol);
        }
    }

    private void bind(Module module, Name name, Symbol symbol) {
        Symbol previous = module.scope.putIfAbsent(name.text(), symbol);
        if (previous != null && previous != symbol) {
            duplicate(name, previous);
        }
    }

    private Module resolve(Module from, List<Name> path, Span at) {
        String dotted = Name.join(path);
        boolean std = path.getFirst().text().equals("std");
        String key;
        Path file = null;
        if (std) {
            key = dotted;
        } else {
            Path base = from.file() != null && from.file().getParent() != null ? from.file().getParent() : Path.of("");
            file = base;
            for (Name segment : path) {
                file = file.resolve(segment.text());
            }
            file = file.resolveSibling(file.getFileName() + ".appl").toAbsolutePath().normalize();
            String stdName = stdModuleName(file);
            key = stdName != null ? stdName : file.toString();
        }
        if (inProgress.contains(key)) {
            List<String> chain = new ArrayList<>();
            boolean inCycle = false;
            for (String k : inProgress) {
                inCycle |= k.equals(key);
                if (inCycle) {
                    chain.add(loaded.get(k).name());
                }
            }
            chain.add(loaded.get(key).name());
            diagnostics.report(DiagnosticCode.IMPORT_CYCLE, at, String.join(" -> ", chain));
            return null;
        }
        Module existing = loaded.get(key);
        if (existing != null) {
            return existing;
        }
        try {
            if (std) {
                byte[] bytes = readStd(path);
                if (bytes == null) {
                    diagnostics.report(DiagnosticCode.MODULE_NOT_FOUND, at, dotted);
                    return null;
                }
                Path onDisk = stdlibDir == null ? null : stdFile(path);
                String display = onDisk != null ? displayPath(onDisk) : STDLIB_RESOURCE + dotted.replace('.', '/') + ".appl";
                return define(key, dotted, onDisk, display, bytes);
            }
            return define(key, stem(file), file, displayPath(file), reader.read(file));
        } catch (IOException e) {
            diagnostics.report(DiagnosticCode.MODULE_NOT_FOUND, at, dotted);
            return null;
        }
    }

    private byte[] readStd(List<Name> path) throws IOException {
        if (stdlibDir != null) {
            Path file = stdFile(path);
            return Files.isRegularFile(file) ? reader.read(file) : null;
        }
        String resource = STDLIB_RESOURCE + Name.join(path).replace('.', '/') + ".appl";
        try (InputStream in = ModuleLoader.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private Path stdFile(List<Name> path) {
        Path file = stdlibDir;
        for (Name segment : path) {
            file = file.resolve(segment.text());
        }
        return file.resolveSibling(file.getFileName() + ".appl");
    }

    /** {@code std.net.ipv4} when the file lies in the stdlib folder given to this loader. */
    private String stdModuleName(Path absolute) {
        if (stdlibDir == null || !absolute.startsWith(stdlibDir.resolve("std"))) {
            return null;
        }
        Path relative = stdlibDir.relativize(absolute);
        String dotted = relative.toString().replace(relative.getFileSystem().getSeparator(), ".");
        return dotted.endsWith(".appl") ? dotted.substring(0, dotted.length() - 5) : null;
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".appl") ? name.substring(0, name.length() - 5) : name;
    }

    /** Imported files are reported relative to the working folder when they are below it. */
    private static String displayPath(Path absolute) {
        Path cwd = Path.of("").toAbsolutePath();
        return absolute.startsWith(cwd) ? cwd.relativize(absolute).toString() : absolute.toString();
    }
}
