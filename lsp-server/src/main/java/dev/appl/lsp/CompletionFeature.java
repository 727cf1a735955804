package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.syntax.ApplLexer;
import dev.appl.language.syntax.Parsing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.antlr.v4.runtime.Token;
import org.eclipse.lsp4j.CompletionItem;
import org.eclipse.lsp4j.CompletionItemKind;
import org.eclipse.lsp4j.Position;

/**
 * Completion by context: module paths after {@code import} and a module's declarations in its
 * braces; members after {@code .} (fields, enum cases, a parser's headers, a module's declarations,
 * the methods of maps, tables and stores); match kinds in a table's {@code key} block; type names
 * after {@code :}, {@code as} and {@code ->}; otherwise the keywords that may start what belongs
 * there (a declaration, an appliance member, a table property, a statement) and the names in scope.
 */
final class CompletionFeature {
    private static final Pattern IMPORT_PATH = Pattern.compile("^\\s*import\\s+((?:[A-Za-z_][A-Za-z0-9_]*\\.)*)$");
    private static final Pattern IMPORT_ITEMS = Pattern.compile("^\\s*import\\s+([A-Za-z_][A-Za-z0-9_.]*)\\.\\{[^}]*$");
    private static final Pattern TYPE_POSITION = Pattern.compile("(?:[A-Za-z0-9_\\]]\\s*:|\\bas|->|\\bextract\\s+\\w+\\s*:)\\s*$");

    static final List<String> TOP_LEVEL = List.of("import", "const", "enum", "header", "struct", "fn", "parser", "appliance");
    static final List<String> MEMBERS = List.of("const", "param", "build", "port", "session", "counter", "map", "timer",
            "store", "parser", "action", "table", "fn", "on", "test");
    static final List<String> TABLE = List.of("key", "actions", "default", "size", "entries", "const", "load");
    static final List<String> PARSER = List.of("extract", "state", "select", "goto", "accept", "reject");
    static final List<String> STATEMENTS = List.of("let", "var", "if", "else", "match", "for", "break", "continue",
            "return", "forward", "reply", "drop", "push", "pop", "enter", "close", "true", "false", "not", "and", "or", "as");
    static final List<String> TEST = List.of("send", "connect", "expect", "let", "drop", "forward", "reply", "close",
            "true", "false");
    static final List<String> MATCH_KINDS = List.of("exact", "lpm", "ternary", "range");
    static final List<String> BUILTIN_TYPES = List.of("bool", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64",
            "ip4", "ip6", "mac", "prefix4", "prefix6", "size", "duration", "bytes", "path", "string", "packet",
            "datagram", "message");

    private CompletionFeature() {}

    static List<CompletionItem> complete(Analysis analysis, Module module, Position position, Workspace workspace) {
        if (module == null) {
            return List.of();
        }
        Source source = module.source();
        String text = source.text();
        int offset = Positions.offset(source, position);
        int wordStart = offset;
        while (wordStart > 0 && isNameChar(text.charAt(wordStart - 1))) {
            wordStart--;
        }
        String lineBefore = text.substring(source.offset(source.line(wordStart), 1), wordStart);

        Matcher items = IMPORT_ITEMS.matcher(lineBefore);
        if (items.find()) {
            return importItems(module, items.group(1), workspace);
        }
        Matcher path = IMPORT_PATH.matcher(lineBefore);
        if (path.find()) {
            return modulePaths(module, path.group(1), workspace);
        }
        if (wordStart > 0 && text.charAt(wordStart - 1) == '.' && !(wordStart > 1 && text.charAt(wordStart - 2) == '.')) {
            return Members.after(analysis, module, dottedBefore(text, wordStart - 1), wordStart);
        }
        Context context = context(module, wordStart);
        if (context == Context.KEY && lineBefore.strip().endsWith(":")) {
            return keywords(MATCH_KINDS, CompletionItemKind.EnumMember);
        }
        if (TYPE_POSITION.matcher(lineBefore).find() && context != Context.TABLE && context != Context.KEY) {
            return types(analysis, module, wordStart);
        }
        List<CompletionItem> out = new ArrayList<>();
        switch (context) {
            case TOP -> out.addAll(keywords(TOP_LEVEL, CompletionItemKind.Keyword));
            case APPLIANCE -> out.addAll(keywords(MEMBERS, CompletionItemKind.Keyword));
            case TABLE -> out.addAll(keywords(TABLE, CompletionItemKind.Keyword));
            case PARSER -> {
                out.addAll(keywords(PARSER, CompletionItemKind.Keyword));
                out.addAll(Members.inScope(analysis, module, wordStart));
            }
            case TEST -> {
                out.addAll(keywords(TEST, CompletionItemKind.Keyword));
                out.addAll(Members.inScope(analysis, module, wordStart));
            }
            case BLOCK, KEY -> {
                if (context == Context.BLOCK) {
                    out.addAll(keywords(STATEMENTS, CompletionItemKind.Keyword));
                }
                out.addAll(Members.inScope(analysis, module, wordStart));
            }
            case DECLARATION -> {}
        }
        return out;
    }

    /** What the innermost open brace before the offset belongs to. */
    enum Context { TOP, APPLIANCE, TABLE, KEY, PARSER, TEST, BLOCK, DECLARATION }

    static Context context(Module module, int offset) {
        List<Token> tokens = module.parse().tokens().getTokens();
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.getStartIndex() >= offset || t.getType() == Token.EOF) {
                break;
            }
            if (t.getType() == ApplLexer.LBRACE) {
                open.add(i);
            } else if (t.getType() == ApplLexer.RBRACE && !open.isEmpty()) {
                open.removeLast();
            }
        }
        if (open.isEmpty()) {
            return Context.TOP;
        }
        // The keyword that starts the construct the brace opens: the first one since the last `{`, `}` or `;`.
        int keyword = -1;
        int depth = 0;
        for (int i = open.getLast() - 1; i >= 0; i--) {
            Token t = tokens.get(i);
            if (t.getChannel() != Token.DEFAULT_CHANNEL) {
                continue;
            }
            int type = t.getType();
            if (type == ApplLexer.RPAREN) {
                depth++;
            } else if (type == ApplLexer.LPAREN) {
                depth--;
            } else if (depth == 0 && (type == ApplLexer.LBRACE || type == ApplLexer.RBRACE || type == ApplLexer.SEMI
                    || type == ApplLexer.FAT_ARROW)) {
                break;
            } else if (depth == 0 && type >= ApplLexer.ACCEPT && type <= ApplLexer.VAR) {
                keyword = type;
            }
        }
        return switch (keyword) {
            case ApplLexer.APPLIANCE -> Context.APPLIANCE;
            case ApplLexer.TABLE -> Context.TABLE;
            case ApplLexer.KEY -> Context.KEY;
            case ApplLexer.PARSER, ApplLexer.STATE -> Context.PARSER;
            case ApplLexer.TEST -> Context.TEST;
            case ApplLexer.HEADER, ApplLexer.STRUCT, ApplLexer.ENUM, ApplLexer.ACTIONS, ApplLexer.ENTRIES -> Context.DECLARATION;
            default -> Context.BLOCK;
        };
    }

    // ---- Imports -------------------------------------------------------------------------------------

    /** The next segment of module paths that start with what is typed: {@code std.net.} offers {@code ipv4}... */
    private static List<CompletionItem> modulePaths(Module module, String typed, Workspace workspace) {
        Map<String, CompletionItem> out = new LinkedHashMap<>();
        List<String> modules = new ArrayList<>(StdlibFolder.modules(workspace.stdlibFor(module.file())));
        modules.addAll(localModules(module, workspace));
        for (String m : modules) {
            if (m.startsWith(typed) && m.length() > typed.length()) {
                String rest = m.substring(typed.length());
                int dot = rest.indexOf('.');
                String segment = dot < 0 ? rest : rest.substring(0, dot);
                CompletionItem item = out.computeIfAbsent(segment, s -> new CompletionItem(s));
                item.setKind(CompletionItemKind.Module);
                item.setDetail(dot < 0 ? m : typed + segment + ".*");
            }
        }
        return new ArrayList<>(out.values());
    }

    /** Specs below the importing file's folder, as the dotted paths that import them. */
    private static List<String> localModules(Module module, Workspace workspace) {
        List<String> out = new ArrayList<>();
        Path folder = module.file() == null ? null : module.file().getParent();
        if (folder == null) {
            return out;
        }
        for (Path file : workspace.workspaceFiles()) {
            if (file.startsWith(folder) && !file.equals(module.file())) {
                String relative = folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".");
                out.add(relative.substring(0, relative.length() - ".appl".length()));
            }
        }
        return out;
    }

    private static List<CompletionItem> importItems(Module module, String modulePath, Workspace workspace) {
        Path file;
        if (modulePath.startsWith("std.") || modulePath.equals("std")) {
            file = workspace.stdlibFor(module.file()).resolve(modulePath.replace('.', '/') + ".appl");
        } else if (module.file() != null && module.file().getParent() != null) {
            file = module.file().getParent().resolve(modulePath.replace('.', '/') + ".appl");
        } else {
            return List.of();
        }
        List<CompletionItem> out = new ArrayList<>();
        try {
            var unit = Parsing.parse(new Source(file.toString(), Files.readString(file)), new Diagnostics()).unit();
            for (Decl d : unit.decls()) {
                CompletionItem item = new CompletionItem(d.name().text());
                item.setKind(Members.kind(new Symbol.DeclSymbol(d, module)));
                item.setDetail(Describe.signature(d));
                out.add(item);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
        return out;
    }

    // ---- Types and keywords --------------------------------------------------------------------------

    private static List<CompletionItem> types(Analysis analysis, Module module, int offset) {
        List<CompletionItem> out = keywords(BUILTIN_TYPES, CompletionItemKind.TypeParameter);
        for (CompletionItem item : Members.inScope(analysis, module, offset)) {
            if (item.getKind() == CompletionItemKind.Struct || item.getKind() == CompletionItemKind.Enum
                    || item.getKind() == CompletionItemKind.Class || item.getKind() == CompletionItemKind.Module) {
                out.add(item);
            }
        }
        return out;
    }

    private static List<CompletionItem> keywords(List<String> words, CompletionItemKind kind) {
        List<CompletionItem> out = new ArrayList<>();
        for (String w : words) {
            CompletionItem item = new CompletionItem(w);
            item.setKind(kind);
            out.add(item);
        }
        return out;
    }

    static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** The dotted names before a dot: {@code h.ip.} gives [h, ip]; anything else before them ends the chain. */
    static List<String> dottedBefore(String text, int dot) {
        List<String> names = new ArrayList<>();
        int end = dot;
        while (true) {
            int start = end;
            while (start > 0 && isNameChar(text.charAt(start - 1))) {
                start--;
            }
            if (start == end) {
                return List.of();
            }
            names.addFirst(text.substring(start, end));
            if (start > 0 && text.charAt(start - 1) == '.') {
                end = start - 1;
            } else {
                return names;
            }
        }
    }
}
