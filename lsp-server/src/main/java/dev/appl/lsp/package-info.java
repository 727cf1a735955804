/**
 * The appl language server: diagnostics and editor features for {@code .appl} specs over the
 * Language Server Protocol (LSP4J), started by {@code applc lsp}. Every feature reads the same
 * checked program that {@code applc check} builds ({@link dev.appl.language.Compilation}, in editor
 * mode so that a file with syntax errors is still resolved as far as it goes).
 */
package dev.appl.lsp;
