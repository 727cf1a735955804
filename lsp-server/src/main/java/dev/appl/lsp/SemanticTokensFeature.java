package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.ast.TypeRef;
import dev.appl.language.diag.Source;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.syntax.ApplLexer;
import dev.appl.language.syntax.ApplParser;
import dev.appl.language.types.BuiltinTypes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.antlr.v4.runtime.Token;
import org.eclipse.lsp4j.SemanticTokens;
import org.eclipse.lsp4j.SemanticTokensLegend;

/**
 * Semantic tokens for the whole document: every name by what it refers to (a header is a struct,
 * a field a property, an enum case an enum member ...), built-in type names, and from the lexer
 * keywords, numbers and address literals, strings and comments. A word that is a keyword only at
 * the start of a declaration ({@code size}, {@code key}) is shown as the name it is elsewhere.
 */
final class SemanticTokensFeature {
    static final List<String> TYPES = List.of("namespace", "type", "class", "enum", "struct", "enumMember",
            "function", "method", "parameter", "variable", "property", "event", "interface", "keyword", "number",
            "string", "comment");
    static final List<String> MODIFIERS = List.of("declaration", "readonly", "defaultLibrary");
    static final SemanticTokensLegend LEGEND = new SemanticTokensLegend(TYPES, MODIFIERS);

    private static final int DECLARATION = 1;
    private static final int READONLY = 2;
    private static final int DEFAULT_LIBRARY = 4;

    private SemanticTokensFeature() {}

    private record Token5(int start, int end, int type, int modifiers) {}

    static SemanticTokens tokens(Analysis analysis, Module module) {
        if (module == null) {
            return new SemanticTokens(List.of());
        }
        Map<Integer, Token5> byStart = new HashMap<>();
        java.util.Set<Integer> names = namePositions(module.parse().tree());
        for (Token t : module.parse().tokens().getTokens()) {
            // A word that is a keyword only at the start of a clause, used as a name (`m.size()`, `Endpoint{port: p}`).
            String type = names.contains(t.getStartIndex()) ? null : lexical(t);
            if (type != null) {
                byStart.put(t.getStartIndex(), new Token5(t.getStartIndex(), t.getStopIndex() + 1, TYPES.indexOf(type), 0));
            }
        }
        // Names override what the lexer said: `size` as a field is a property, not a keyword.
        for (Occurrences.Occurrence o : analysis.occurrences(module).all()) {
            int[] kind = kind(o.symbol());
            if (kind != null) {
                int mods = kind[1] | (o.declaration() ? DECLARATION : 0) | (isStdlib(o.symbol(), analysis) ? DEFAULT_LIBRARY : 0);
                byStart.put(o.span().start(), new Token5(o.span().start(), o.span().end(), kind[0], mods));
            }
        }
        Nodes.walk(module.parse().unit(), n -> {
            if (n instanceof TypeRef.Named t && t.path().size() == 1 && BuiltinTypes.lookup(t.text()) != null
                    && analysis.result().semantics().referenceOf(t) == null) {
                byStart.put(t.span().start(), new Token5(t.span().start(), t.span().end(), TYPES.indexOf("type"),
                        DEFAULT_LIBRARY));
            }
        });
        List<Token5> sorted = new ArrayList<>(byStart.values());
        sorted.sort(java.util.Comparator.comparingInt(Token5::start));
        return new SemanticTokens(encode(module.source(), sorted));
    }

    /** Where the parser read a keyword token as a name: the tokens directly under a {@code name} rule. */
    private static java.util.Set<Integer> namePositions(org.antlr.v4.runtime.tree.ParseTree tree) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        java.util.ArrayDeque<org.antlr.v4.runtime.tree.ParseTree> pending = new java.util.ArrayDeque<>();
        if (tree != null) {
            pending.push(tree);
        }
        while (!pending.isEmpty()) {
            var node = pending.pop();
            if (node instanceof org.antlr.v4.runtime.tree.TerminalNode t && node.getParent() instanceof ApplParser.NameContext) {
                out.add(t.getSymbol().getStartIndex());
            }
            for (int i = 0; i < node.getChildCount(); i++) {
                pending.push(node.getChild(i));
            }
        }
        return out;
    }

    private static String lexical(Token t) {
        int type = t.getType();
        if (type == ApplLexer.LINE_COMMENT || type == ApplLexer.DOC_COMMENT || type == ApplLexer.BLOCK_COMMENT
                || type == ApplLexer.UNTERMINATED_COMMENT) {
            return "comment";
        }
        if (type == ApplLexer.STRING || type == ApplLexer.BYTES) {
            return "string";
        }
        if (type == ApplLexer.INT || type == ApplLexer.SIZE_LIT || type == ApplLexer.DURATION_LIT
                || type == ApplLexer.IP4 || type == ApplLexer.IP4_PREFIX || type == ApplLexer.IP6
                || type == ApplLexer.IP6_PREFIX || type == ApplLexer.MAC) {
            return "number";
        }
        if (type >= ApplLexer.ACCEPT && type <= ApplLexer.VAR) {
            return "keyword";
        }
        return null;
    }

    /** The token type and modifiers of what a name refers to, or null for names left to the grammar. */
    private static int[] kind(Symbol symbol) {
        return switch (symbol) {
            case Symbol.DeclSymbol d -> switch (d.decl()) {
                case Decl.Const c -> new int[] {TYPES.indexOf("variable"), READONLY};
                case Decl.Enum e -> new int[] {TYPES.indexOf("enum"), 0};
                case Decl.Header h -> new int[] {TYPES.indexOf("struct"), 0};
                case Decl.Struct s -> new int[] {TYPES.indexOf("struct"), 0};
                case Decl.Fn f -> new int[] {TYPES.indexOf("function"), 0};
                case Decl.Parser p -> new int[] {TYPES.indexOf("class"), 0};
                case Decl.Appliance a -> new int[] {TYPES.indexOf("namespace"), 0};
                case Decl.ParamDecl p -> new int[] {TYPES.indexOf("variable"), READONLY};
                case Decl.Port p -> new int[] {TYPES.indexOf("interface"), 0};
                case Decl.Timer t -> new int[] {TYPES.indexOf("event"), 0};
                case Decl.Action a -> new int[] {TYPES.indexOf("method"), 0};
                case Decl.Table t -> new int[] {TYPES.indexOf("function"), 0};
                case Decl.Counter c -> new int[] {TYPES.indexOf("variable"), 0};
                case Decl.MapDecl m -> new int[] {TYPES.indexOf("variable"), 0};
                case Decl.Store s -> new int[] {TYPES.indexOf("variable"), 0};
                case Decl.SessionVar v -> new int[] {TYPES.indexOf("variable"), 0};
                case Decl.Phase p -> new int[] {TYPES.indexOf("enumMember"), 0};
                default -> null;
            };
            case Symbol.Local l -> new int[] {TYPES.indexOf("variable"), l.mutable() ? 0 : READONLY};
            case Symbol.Field f -> new int[] {TYPES.indexOf("property"), 0};
            case Symbol.EnumCase c -> new int[] {TYPES.indexOf("enumMember"), 0};
            case Symbol.ModuleSymbol m -> new int[] {TYPES.indexOf("namespace"), 0};
        };
    }

    private static boolean isStdlib(Symbol symbol, Analysis analysis) {
        if (symbol.declaredAt() == null) {
            return false;
        }
        Module m = analysis.moduleOf(symbol.declaredAt().source());
        return m != null && m.name().startsWith("std.");
    }

    /** The protocol's relative encoding; a token over several lines (a block comment) is split per line. */
    private static List<Integer> encode(Source source, List<Token5> tokens) {
        List<Integer> data = new ArrayList<>();
        int lastLine = 0;
        int lastColumn = 0;
        int coveredTo = 0;
        for (Token5 t : tokens) {
            if (t.start() < coveredTo || t.end() <= t.start()) {
                continue; // overlapping tokens cannot be encoded; keep the first
            }
            coveredTo = t.end();
            int start = t.start();
            while (start < t.end()) {
                int line = source.line(start) - 1;
                int column = source.column(start) - 1;
                int lineEnd = source.offset(line + 1, 1) + source.lineText(line + 1).length();
                int end = Math.min(t.end(), lineEnd);
                if (end > start) {
                    data.add(line - lastLine);
                    data.add(line == lastLine ? column - lastColumn : column);
                    data.add(end - start);
                    data.add(t.type());
                    data.add(t.modifiers());
                    lastLine = line;
                    lastColumn = column;
                }
                int next = source.offset(line + 2, 1);
                if (next <= start) {
                    break;
                }
                start = next;
            }
        }
        return data;
    }
}
