/**
 * The appl language server: serves diagnostics and editor features for
 * {@code .appl} specs over the Language Server Protocol (lsp4j).
 * Empty for now.
 */
package dev.appl.lsp;
