package dev.appl.compiler.cli;

import java.util.concurrent.Callable;

/**
 * A subcommand that a module built on the compiler adds to {@code applc}, such as the language
 * server's {@code applc lsp}. Implementations are picocli {@code @Command} classes listed in
 * {@code META-INF/services/dev.appl.compiler.cli.ApplcSubcommand}; {@link Applc} finds those on
 * its class path with {@link java.util.ServiceLoader}, so the compiler depends on none of them
 * (docs/decisions/0005-applc-subcommands-from-other-modules.md).
 */
public interface ApplcSubcommand extends Callable<Integer> {}
