package dev.appl.language;

import dev.appl.language.diag.DiagnosticCode;
import dev.appl.language.diag.Diagnostics;
import dev.appl.language.diag.Span;
import dev.appl.language.resolve.Module;
import dev.appl.language.resolve.ModuleLoader;
import dev.appl.language.types.BoundedWorkChecker;
import dev.appl.language.types.ControlFlowChecker;
import dev.appl.language.types.EffectsChecker;
import dev.appl.language.types.ExhaustivenessChecker;
import dev.appl.language.types.ParserChecker;
import dev.appl.language.types.Semantics;
import dev.appl.language.types.TypeChecker;
import dev.appl.language.types.ValidityChecker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The front end's pipeline, in order: sources in, checked modules and diagnostics out.
 *
 * <ol>
 *   <li>Parse each file and resolve its imports ({@link ModuleLoader}); imported modules are
 *       loaded as they are met.
 *   <li>Resolve names and give every expression a type ({@link TypeChecker}). It runs over every
 *       module before any later check, since those read the types it records.
 *   <li>Check parser state machines ({@link ParserChecker}), then header validity
 *       ({@link ValidityChecker}), which needs their paths.
 *   <li>Check bounded work, exhaustiveness, effects and control flow: independent of each other.
 * </ol>
 *
 * A module with syntax errors stops after step 1 in batch mode, so that recovery placeholders do
 * not cause follow-on errors; the editor asks to go on, so that it can still resolve and hover.
 * Nothing here throws for bad input: every problem is a diagnostic.
 */
public final class Compilation {
    private final ModuleLoader loader;
    private final Diagnostics diagnostics = new Diagnostics();
    private final Semantics semantics = new Semantics();
    private final boolean continueAfterSyntaxErrors;
    private final Set<Module> checked = new HashSet<>();

    public Compilation(Path stdlibDir, ModuleLoader.SourceReader reader, boolean continueAfterSyntaxErrors) {
        this.loader = new ModuleLoader(stdlibDir, reader, diagnostics);
        this.continueAfterSyntaxErrors = continueAfterSyntaxErrors;
    }

    /** A batch compilation reading files from disk, with the stdlib packaged in this jar. */
    public Compilation() {
        this(null, Files::readAllBytes, false);
    }

    /** Loads a file and what it imports. @throws IOException if the file itself cannot be read */
    public Module add(Path file) throws IOException {
        return loader.load(file);
    }

    /** Loads a module from text (an editor buffer, a test). */
    public Module add(Path file, String text) {
        return loader.load(file, text);
    }

    /** Checks every module loaded so far that has not been checked yet. */
    public Result check() {
        List<Module> pending = new ArrayList<>();
        for (Module m : List.copyOf(loader.modules())) {
            if (checked.add(m) && (continueAfterSyntaxErrors || !m.parse().hasSyntaxErrors())) {
                pending.add(m);
            }
        }
        run(pending, new TypeChecker(semantics, diagnostics)::check);
        run(pending, new ParserChecker(semantics, diagnostics)::check);
        run(pending, new ValidityChecker(semantics, diagnostics)::check);
        run(pending, new BoundedWorkChecker(semantics, diagnostics)::check);
        run(pending, new ExhaustivenessChecker(semantics, diagnostics)::check);
        run(pending, new EffectsChecker(semantics, diagnostics)::check);
        run(pending, new ControlFlowChecker(semantics, diagnostics)::check);
        return new Result(List.copyOf(loader.modules()), semantics, diagnostics);
    }

    /**
     * Runs one check over the pending modules. A module whose expressions nest deeper than the
     * stack allows gets a diagnostic and leaves the pipeline; the others go on.
     */
    private void run(List<Module> pending, java.util.function.Consumer<Module> check) {
        for (java.util.Iterator<Module> it = pending.iterator(); it.hasNext(); ) {
            Module m = it.next();
            try {
                check.accept(m);
            } catch (StackOverflowError e) {
                diagnostics.report(DiagnosticCode.NESTING_TOO_DEEP, new Span(m.source(), 0, 0),
                        "an expression or block deeper than the compiler's stack");
                it.remove();
            }
        }
    }

    /** The checked program: modules, what was learned about them, and what is wrong with them. */
    public record Result(List<Module> modules, Semantics semantics, Diagnostics diagnostics) {}
}
