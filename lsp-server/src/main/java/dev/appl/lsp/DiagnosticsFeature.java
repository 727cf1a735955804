package dev.appl.lsp;

import dev.appl.language.diag.Note;
import dev.appl.language.diag.Severity;
import dev.appl.language.resolve.Module;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.lsp4j.Diagnostic;
import org.eclipse.lsp4j.DiagnosticRelatedInformation;
import org.eclipse.lsp4j.DiagnosticSeverity;
import org.eclipse.lsp4j.Location;

/**
 * The checker's diagnostics for one module, as the protocol has them: code, severity, message,
 * and the notes that point somewhere as related information. Notes without a place are added to
 * the message, as {@code applc check} prints them under it.
 */
final class DiagnosticsFeature {
    static final String SOURCE = "appl";

    private DiagnosticsFeature() {}

    static List<Diagnostic> of(Analysis analysis, Module module, Workspace workspace) {
        List<Diagnostic> out = new ArrayList<>();
        if (module == null) {
            return out;
        }
        for (dev.appl.language.diag.Diagnostic d : analysis.result().diagnostics().sorted()) {
            if (analysis.moduleOf(d.span().source()) != module) {
                continue;
            }
            StringBuilder message = new StringBuilder(d.message());
            List<DiagnosticRelatedInformation> related = new ArrayList<>();
            for (Note note : d.notes()) {
                Location at = note.span() == null ? null : location(analysis, note.span(), workspace);
                if (at != null) {
                    related.add(new DiagnosticRelatedInformation(at, note.message()));
                } else {
                    message.append("\nnote: ").append(note.message());
                }
            }
            Diagnostic lsp = new Diagnostic(Positions.range(d.span()), message.toString(),
                    d.severity() == Severity.ERROR ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
                    SOURCE, d.code().id());
            if (!related.isEmpty()) {
                lsp.setRelatedInformation(related);
            }
            out.add(lsp);
        }
        return out;
    }

    /** Where a span is, as a location a client can open; null for a module without a file. */
    static Location location(Analysis analysis, dev.appl.language.diag.Span span, Workspace workspace) {
        Path file = analysis.fileOf(span);
        return file == null ? null : new Location(workspace.uriOf(file), Positions.range(span));
    }
}
