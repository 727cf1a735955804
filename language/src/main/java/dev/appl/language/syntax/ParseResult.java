package dev.appl.language.syntax;

import dev.appl.language.ast.CompilationUnit;
import dev.appl.language.diag.Source;
import org.antlr.v4.runtime.CommonTokenStream;

/**
 * A parsed file: the syntax tree for the checker, and the concrete tree and tokens (comments
 * included) for the formatter and the editor. {@code tree} is null when parsing was refused.
 */
public record ParseResult(Source source, CompilationUnit unit, ApplParser.FileContext tree, CommonTokenStream tokens,
        boolean hasSyntaxErrors) {}
