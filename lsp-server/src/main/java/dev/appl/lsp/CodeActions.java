package dev.appl.lsp;

import dev.appl.language.ast.CompilationUnit;
import dev.appl.language.ast.Expr;
import dev.appl.language.ast.Node;
import dev.appl.language.ast.Pattern;
import dev.appl.language.ast.Stmt;
import dev.appl.language.diag.Diagnostic;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Source;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.syntax.ParseResult;
import dev.appl.language.syntax.Parsing;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.Type;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import org.eclipse.lsp4j.CodeAction;
import org.eclipse.lsp4j.CodeActionKind;
import org.eclipse.lsp4j.CodeActionParams;
import org.eclipse.lsp4j.TextEdit;
import org.eclipse.lsp4j.WorkspaceEdit;

/**
 * Quick fixes for common errors: a {@code match} that misses cases (add them, or a {@code _} arm),
 * a value of the wrong width or type (convert it with {@code as}), and a name that is declared in
 * a module the file does not import (import it).
 */
final class CodeActions {
    private static final java.util.regex.Pattern EXPECTED_FOUND = java.util.regex.Pattern.compile("expected `([^`]+)`, found `([^`]+)`");
    private static final java.util.regex.Pattern WIDTHS = java.util.regex.Pattern.compile("`([^`]+)` and `([^`]+)` have different widths");
    private static final java.util.regex.Pattern MISSING_NAME = java.util.regex.Pattern.compile("cannot find (?:type )?`([A-Za-z_][A-Za-z0-9_]*)`");
    private static final java.util.regex.Pattern TYPE_NAME = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private CodeActions() {}

    static List<CodeAction> actions(Analysis analysis, Module module, Document doc, CodeActionParams params,
            Workspace workspace) {
        List<CodeAction> out = new ArrayList<>();
        if (module == null) {
            return out;
        }
        Source source = module.source();
        int from = Positions.offset(source, params.getRange().getStart());
        int to = Positions.offset(source, params.getRange().getEnd());
        for (Diagnostic d : analysis.result().diagnostics().sorted()) {
            if (analysis.moduleOf(d.span().source()) != module || d.span().end() < from || d.span().start() > to) {
                continue;
            }
            org.eclipse.lsp4j.Diagnostic lsp = DiagnosticsFeature.of(analysis, module, workspace).stream()
                    .filter(x -> x.getRange().equals(Positions.range(d.span())) && d.code().id().equals(x.getCode().getLeft()))
                    .findFirst().orElse(null);
            switch (d.code()) {
                case NON_EXHAUSTIVE -> missingArms(analysis, module, d, doc, lsp, out);
                case TYPE_MISMATCH -> {
                    Matcher m = EXPECTED_FOUND.matcher(d.message());
                    Expr e = exprAt(module, d.span());
                    if (m.find() && e != null && TYPE_NAME.matcher(m.group(1)).matches()) {
                        out.add(cast(doc, e, m.group(1), lsp));
                    }
                }
                case WIDTH_MISMATCH -> {
                    Matcher m = WIDTHS.matcher(d.message());
                    if (m.find() && exprAt(module, d.span()) instanceof Expr.Binary b) {
                        out.add(cast(doc, b.right(), m.group(1), lsp));
                        out.add(cast(doc, b.left(), m.group(2), lsp));
                    }
                }
                case UNKNOWN_NAME, UNKNOWN_TYPE -> {
                    Matcher m = MISSING_NAME.matcher(d.message());
                    if (m.find()) {
                        imports(workspace, module, doc, m.group(1), lsp, out);
                    }
                }
                default -> {}
            }
        }
        return out;
    }

    // ---- Missing match arms ------------------------------------------------------------------------

    private static void missingArms(Analysis analysis, Module module, Diagnostic d, Document doc,
            org.eclipse.lsp4j.Diagnostic lsp, List<CodeAction> out) {
        Stmt.Match match = null;
        for (Node n : all(module)) {
            if (n instanceof Stmt.Match m && m.span().start() == d.span().start()) {
                match = m;
            }
        }
        if (match == null) {
            return;
        }
        Semantics sem = analysis.result().semantics();
        List<String> missing = missingCases(match, sem);
        if (!missing.isEmpty()) {
            out.add(action("Add the missing cases", lsp, doc, insertArms(doc, match, missing)));
        }
        out.add(action("Add a `_` arm", lsp, doc, insertArms(doc, match, List.of("_"))));
    }

    /** The cases of an enum, bool or table subject that no arm names, spelled as the arms spell their enum. */
    private static List<String> missingCases(Stmt.Match match, Semantics sem) {
        Type subject = sem.typeOf(match.subject());
        Set<String> covered = new LinkedHashSet<>();
        String qualifier = null;
        for (Stmt.MatchArm arm : match.arms()) {
            for (Pattern p : arm.patterns()) {
                if (p instanceof Pattern.Value v) {
                    if (v.value() instanceof Expr.Field f && sem.referenceOf(f) instanceof Symbol.EnumCase c) {
                        covered.add(c.name());
                        qualifier = f.target().span().text();
                    } else {
                        covered.add(v.value().span().text());
                    }
                }
            }
        }
        List<String> missing = new ArrayList<>();
        switch (subject) {
            case Type.Enum e -> {
                String q = qualifier != null ? qualifier : e.decl().name().text();
                e.decl().cases().stream().map(c -> c.name().text()).filter(c -> !covered.contains(c))
                        .forEach(c -> missing.add(q + "." + c));
            }
            case Type.Bool b -> List.of("true", "false").stream().filter(x -> !covered.contains(x)).forEach(missing::add);
            case Type.ActionOf a -> a.table().actions().stream().map(n -> n.text()).filter(x -> !covered.contains(x))
                    .forEach(missing::add);
            default -> {}
        }
        return missing;
    }

    /** Arms with empty bodies, one per line, before the match's closing brace. */
    private static TextEdit insertArms(Document doc, Stmt.Match match, List<String> patterns) {
        String text = doc.text();
        int close = match.span().end() - 1;
        Source source = new Source("", text);
        String matchIndent = indentOf(source, match.span().start());
        String armIndent = match.arms().isEmpty() ? matchIndent + "    " : indentOf(source, match.arms().getFirst().span().start());
        int lineStart = source.offset(source.line(close), 1);
        boolean braceAlone = text.substring(lineStart, close).isBlank();
        StringBuilder arms = new StringBuilder(braceAlone ? "" : "\n");
        for (String p : patterns) {
            arms.append(armIndent).append(p).append(" => {}\n");
        }
        int at = braceAlone ? lineStart : close;
        if (!braceAlone) {
            arms.append(matchIndent);
        }
        return new TextEdit(Positions.range(source, at, at), arms.toString());
    }

    private static String indentOf(Source source, int offset) {
        String line = source.lineText(source.line(offset));
        int i = 0;
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return line.substring(0, i);
    }

    // ---- Explicit conversions -----------------------------------------------------------------------

    private static CodeAction cast(Document doc, Expr e, String type, org.eclipse.lsp4j.Diagnostic lsp) {
        String text = e.span().text();
        boolean needsParens = e instanceof Expr.Binary || e instanceof Expr.Unary || e instanceof Expr.Cast;
        String replacement = (needsParens ? "(" + text + ")" : text) + " as " + type;
        return action("Convert `" + text + "` to `" + type + "` with `as`", lsp, doc,
                new TextEdit(Positions.range(e.span()), replacement));
    }

    private static Expr exprAt(Module module, Span span) {
        Expr found = null;
        for (Node n : all(module)) {
            if (n instanceof Expr e && e.span().start() == span.start() && e.span().end() == span.end()) {
                found = e;
            }
        }
        return found;
    }

    // ---- Missing imports ----------------------------------------------------------------------------

    private static void imports(Workspace workspace, Module module, Document doc, String name,
            org.eclipse.lsp4j.Diagnostic lsp, List<CodeAction> out) {
        Path stdlib = workspace.stdlibFor(doc.path());
        List<String> candidates = new ArrayList<>();
        for (String std : StdlibFolder.modules(stdlib)) {
            if (declares(stdlib.resolve(std.replace('.', '/') + ".appl"), name)) {
                candidates.add(std);
            }
        }
        Path folder = doc.path().getParent();
        for (Path file : workspace.workspaceFiles()) {
            if (folder != null && file.startsWith(folder) && !file.equals(doc.path()) && declares(file, name)) {
                String relative = folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".");
                candidates.add(relative.substring(0, relative.length() - ".appl".length()));
            }
        }
        for (String m : candidates) {
            out.add(action("Import `" + name + "` from `" + m + "`", lsp, doc, importEdit(module, doc, m, name)));
        }
    }

    private static boolean declares(Path file, String name) {
        try {
            ParseResult parse = Parsing.parse(new Source(file.toString(), Files.readString(file)), new Diagnostics());
            return parse.unit().decls().stream().anyMatch(d -> d.name().text().equals(name));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** Adds the name to an import of that module, or a new import after the last one. */
    private static TextEdit importEdit(Module module, Document doc, String modulePath, String name) {
        Source source = module.source();
        List<CompilationUnit.Import> imports = module.parse().unit().imports();
        for (CompilationUnit.Import imp : imports) {
            if (imp.modulePath().equals(modulePath) && !imp.importsModule()) {
                int close = imp.items().getLast().span().end();
                return new TextEdit(Positions.range(source, close, close), ", " + name);
            }
        }
        String line = "import " + modulePath + ".{" + name + "}\n";
        if (imports.isEmpty()) {
            return new TextEdit(Positions.range(source, 0, 0), line + "\n");
        }
        int after = imports.getLast().span().end();
        int nextLine = source.offset(source.line(after) + 1, 1);
        if (nextLine <= after) {
            return new TextEdit(Positions.range(source, after, after), "\n" + line.strip());
        }
        return new TextEdit(Positions.range(source, nextLine, nextLine), line);
    }

    // ---- Helpers ------------------------------------------------------------------------------------

    private static List<Node> all(Module module) {
        List<Node> nodes = new ArrayList<>();
        Nodes.walk(module.parse().unit(), nodes::add);
        return nodes;
    }

    private static CodeAction action(String title, org.eclipse.lsp4j.Diagnostic lsp, Document doc, TextEdit edit) {
        CodeAction a = new CodeAction(title);
        a.setKind(CodeActionKind.QuickFix);
        if (lsp != null) {
            a.setDiagnostics(List.of(lsp));
        }
        a.setEdit(new WorkspaceEdit(Map.of(doc.uri(), List.of(edit))));
        return a;
    }
}
