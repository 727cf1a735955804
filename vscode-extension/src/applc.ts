// The command lines the extension runs: the bundled applc.jar with a JDK found by java.ts.
import * as path from 'path';

/** The applc distribution inside the extension: server/applc.jar with its lib/ beside it. */
export function bundledJar(extensionPath: string): string {
  return path.join(extensionPath, 'server', 'applc.jar');
}

/** `java -jar applc.jar ARGS...` as a program and its arguments. */
export function applc(java: string, jar: string, args: string[]): { command: string; args: string[] } {
  return { command: java, args: ['-jar', jar, ...args] };
}

/** The arguments of each command the extension offers on the current file. */
export const commands = {
  lsp: (): string[] => ['lsp'],
  test: (file: string): string[] => ['test', file],
  build: (file: string, outDir: string): string[] => ['build', file, '-o', outDir],
  ir: (file: string): string[] => ['explain', file, '--dump-after', 'all'],
  bytecode: (file: string): string[] => ['explain', file, '--bytecode'],
};
