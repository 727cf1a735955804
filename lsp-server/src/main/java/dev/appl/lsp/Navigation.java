package dev.appl.lsp;

import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.Symbol;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.lsp4j.Location;
import org.eclipse.lsp4j.Position;
import org.eclipse.lsp4j.Range;

/** Go to definition (into imported files and the stdlib too) and find references across the workspace. */
final class Navigation {
    private Navigation() {}

    static List<Location> definition(Analysis analysis, Module module, Position position, Workspace workspace) {
        if (module == null) {
            return List.of();
        }
        Occurrences.Occurrence o = analysis.occurrences(module).at(Positions.offset(module.source(), position));
        if (o == null) {
            return List.of();
        }
        if (o.symbol() instanceof Symbol.ModuleSymbol m && m.module().file() != null) {
            return List.of(new Location(workspace.uriOf(m.module().file()), new Range(new Position(0, 0), new Position(0, 0))));
        }
        Span at = o.symbol().declaredAt();
        Location location = at == null ? null : DiagnosticsFeature.location(analysis, at, workspace);
        return location == null ? List.of() : List.of(location);
    }

    /** Every use of the symbol at the position, in every spec of the workspace and the stdlib. */
    static List<Location> references(Workspace workspace, Document doc, Position position, boolean includeDeclaration) {
        Analysis all = workspace.everything();
        Module module = all.moduleAt(doc.path());
        if (module == null) {
            return List.of();
        }
        Occurrences.Occurrence o = all.occurrences(module).at(Positions.offset(module.source(), position));
        if (o == null || o.key() == null) {
            return List.of();
        }
        List<Location> out = new ArrayList<>();
        for (Analysis.Located l : all.occurrencesOf(o.key())) {
            if ((includeDeclaration || !l.occurrence().declaration()) && l.module().file() != null) {
                out.add(new Location(workspace.uriOf(l.module().file()), Positions.range(l.occurrence().span())));
            }
        }
        return out;
    }
}
