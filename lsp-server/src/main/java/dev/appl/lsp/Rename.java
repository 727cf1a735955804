package dev.appl.lsp;

import dev.appl.language.ast.Decl;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.ModuleLoader;
import dev.appl.language.resolve.Symbol;
import dev.appl.language.syntax.Keywords;
import dev.appl.language.types.BuiltinTypes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.PrepareRenameDefaultBehavior;
import org.eclipse.lsp4j.PrepareRenameResult;
import org.eclipse.lsp4j.Range;
import org.eclipse.lsp4j.TextEdit;
import org.eclipse.lsp4j.WorkspaceEdit;
import org.eclipse.lsp4j.jsonrpc.ResponseErrorException;
import org.eclipse.lsp4j.jsonrpc.messages.Either3;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseError;
import org.eclipse.lsp4j.jsonrpc.messages.ResponseErrorCode;

/**
 * Rename a declaration, local, field or enum case everywhere it is used in the workspace. Refused,
 * with a message saying why: names that are not identifiers, reserved keywords, a built-in type's
 * name for a type, a name the scope already has, and anything declared outside the workspace
 * (the stdlib). A use through an import alias ({@code X as Y}) keeps its alias.
 */
final class Rename {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Rename() {}

    static Either3<Range, PrepareRenameResult, PrepareRenameDefaultBehavior> prepare(Workspace workspace, Document doc,
            Position position) {
        Target t = target(workspace, doc, position);
        return Either3.forSecond(new PrepareRenameResult(Positions.range(t.occurrence().span()), t.name()));
    }

    static WorkspaceEdit rename(Workspace workspace, Document doc, Position position, String newName) {
        Target t = target(workspace, doc, position);
        String problem = problemWith(newName, t);
        if (problem != null) {
            throw refused(problem);
        }
        Map<String, List<TextEdit>> changes = new LinkedHashMap<>();
        for (Analysis.Located l : t.analysis().occurrencesOf(t.occurrence().key())) {
            if (l.module().file() == null || !l.occurrence().span().text().equals(t.name())) {
                continue;
            }
            changes.computeIfAbsent(workspace.uriOf(l.module().file()), k -> new ArrayList<>())
                    .add(new TextEdit(Positions.range(l.occurrence().span()), newName));
        }
        return new WorkspaceEdit(changes);
    }

    private record Target(Analysis analysis, Module module, Occurrences.Occurrence occurrence, String name) {}

    private static Target target(Workspace workspace, Document doc, Position position) {
        Analysis all = workspace.everything();
        Module module = all.moduleAt(doc.path());
        Occurrences.Occurrence o = module == null ? null
                : all.occurrences(module).at(Positions.offset(module.source(), position));
        if (o == null || o.key() == null) {
            throw refused("there is nothing here to rename");
        }
        if (o.symbol() instanceof Symbol.ModuleSymbol) {
            throw refused("a module is renamed by renaming its file");
        }
        String name = o.symbol().name();
        if (!o.span().text().equals(name)) {
            throw refused("`" + o.span().text() + "` is an import alias of `" + name + "`; rename it in the import");
        }
        Path declaredIn = all.fileOf(o.key());
        if (declaredIn == null || workspace.documentAt(declaredIn) == null
                && workspace.roots().stream().noneMatch(declaredIn::startsWith)
                || declaredIn.startsWith(workspace.bundledStdlib())) {
            throw refused("`" + name + "` is declared outside the workspace");
        }
        return new Target(all, module, o, name);
    }

    private static String problemWith(String newName, Target t) {
        if (!IDENTIFIER.matcher(newName).matches()) {
            return "`" + newName + "` is not a name: a letter or `_` followed by letters, digits and `_`";
        }
        if (newName.equals("_")) {
            return "`_` is the wildcard, not a name";
        }
        if (Keywords.RESERVED.contains(newName)) {
            return "`" + newName + "` is a reserved keyword";
        }
        if (t.occurrence().symbol() instanceof Symbol.DeclSymbol d) {
            if (ModuleLoader.isTypeDeclaration(d.decl()) && BuiltinTypes.isBuiltin(newName)) {
                return "`" + newName + "` is a built-in type name";
            }
            Module owner = t.analysis().moduleOf(d.decl().span().source());
            if (owner != null && !newName.equals(t.name()) && (owner.lookup(newName) != null
                    || siblings(d.decl(), owner).contains(newName))) {
                return "`" + newName + "` is already declared here";
            }
        }
        return null;
    }

    /** The names declared beside an appliance member, inside its appliance. */
    private static Set<String> siblings(Decl decl, Module owner) {
        for (Decl top : owner.decls()) {
            if (top instanceof Decl.Appliance a && a.members().stream().anyMatch(m -> m == decl)) {
                Set<String> names = new java.util.HashSet<>();
                a.members().forEach(m -> names.add(m.name().text()));
                return names;
            }
        }
        return Set.of();
    }

    private static ResponseErrorException refused(String why) {
        return new ResponseErrorException(new ResponseError(ResponseErrorCode.InvalidParams, "cannot rename: " + why, null));
    }
}
