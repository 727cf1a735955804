// The TextMate grammar against the real lexer, on every stdlib and sample file: the language
// server's semantic tokens say what each keyword, number, string, comment and built-in type is
// (they come from the compiler's lexer and checker), this test writes them as assertions of
// vscode-tmgrammar-test next to each line, and the tool checks the grammar's scopes. The files
// are read as they are, so a change to a sample or to the language needs no snapshot update.
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { repoRoot } from './paths';
import { startServer, stopServer } from './lsp-client';

const extension = path.resolve(__dirname, '..', '..');

function specFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else if (e.name.endsWith('.appl')) {
        out.push(p);
      }
    }
  };
  walk(path.join(root, 'stdlib'));
  walk(path.join(root, 'samples'));
  return out.sort();
}

/** The grammar's scope for each keyword: how the grammar is meant to sort them. */
const KEYWORDS: Record<string, string[]> = {
  'constant.language.boolean.appl': ['true', 'false'],
  'keyword.control.appl': ['if', 'else', 'match', 'for', 'in', 'break', 'continue', 'return', 'forward', 'reply', 'drop',
    'push', 'pop', 'goto', 'accept', 'reject', 'select', 'extract', 'send', 'expect'],
  'keyword.operator.word.appl': ['and', 'or', 'not', 'as'],
  'keyword.declaration.appl': ['import', 'const', 'enum', 'struct', 'fn', 'appliance', 'let', 'var', 'on', 'header',
    'parser', 'action', 'table', 'state', 'param', 'port', 'counter', 'map', 'timer', 'store', 'test'],
};

/** Words that are keywords only where they start a declaration or clause (docs/language.md). */
const SOFT_KEYWORDS = new Set(['action', 'actions', 'after', 'before', 'build', 'by', 'capacity', 'close', 'connect',
  'connections', 'counter', 'default', 'enter', 'entries', 'every', 'expire', 'framed', 'from', 'header', 'key', 'le',
  'load', 'lru', 'map', 'max', 'param', 'parser', 'phase', 'port', 'session', 'shared', 'size', 'state', 'store',
  'table', 'test', 'timer']);

function keywordScope(word: string, line: string, col: number): string {
  for (const [scope, words] of Object.entries(KEYWORDS)) {
    // A declaration keyword before a name is scoped as a declaration; alone (`const entries`, `default`) it is another keyword.
    if (words.includes(word) && (scope !== 'keyword.declaration.appl' || !SOFT_KEYWORDS.has(word)
        || /^\s+[A-Za-z_"]/.test(line.substring(col + word.length)) && !/^\s+entries\b/.test(line.substring(col + word.length)))) {
      return scope;
    }
  }
  return 'keyword.other.appl';
}

function numberScope(text: string): string {
  if (text.includes('::') || (text.match(/:/g) ?? []).length === 7) return 'constant.numeric.ip6.appl';
  if ((text.match(/:/g) ?? []).length === 5) return 'constant.numeric.mac.appl';
  if ((text.match(/\./g) ?? []).length === 3) return 'constant.numeric.ip4.appl';
  if (text.startsWith('0x')) return 'constant.numeric.hex.appl';
  if (text.startsWith('0b')) return 'constant.numeric.binary.appl';
  if (/[0-9](KiB|MiB|GiB|TiB|KB|MB|GB|TB|B)$/.test(text)) return 'constant.numeric.size.appl';
  if (/[0-9](min|ns|us|ms|s|h)$/.test(text)) return 'constant.numeric.duration.appl';
  return 'constant.numeric.decimal.appl';
}

/** The scope a semantic token requires of the grammar, or undefined for names the grammar cannot know. */
function expectedScope(type: string, defaultLibrary: boolean, text: string, line: string, col: number): string | undefined {
  switch (type) {
    case 'keyword': return keywordScope(text, line, col);
    case 'number': return numberScope(text);
    case 'string': return text.startsWith('x"') ? 'string.quoted.other.bytes.appl' : 'string.quoted.double.appl';
    case 'comment': return text.startsWith('///') ? 'comment.line.documentation.appl'
      : text.startsWith('//') ? 'comment.line.double-slash.appl' : 'comment.block.appl';
    case 'type': return defaultLibrary ? 'support.type.builtin.appl' : undefined;
    // A word that is a keyword elsewhere, used as a name here (a field called `size`).
    default: return SOFT_KEYWORDS.has(text) ? '- keyword.other.appl' : undefined;
  }
}

test('the TextMate grammar scopes every stdlib and sample file as the lexer does', async () => {
  const root = repoRoot();
  const server = await startServer(root);
  const legend = server.capabilities.semanticTokensProvider!.legend;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'appl-grammar-'));
  let assertions = 0;
  const files = specFiles(root);
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const uri = `file://${file}`;
    await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'appl', version: 1, text } });
    const tokens = await server.connection.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri } }) as { data: number[] };
    await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    const lines = text.split('\n');
    const perLine: string[][] = lines.map(() => []);
    let line = 0;
    let col = 0;
    for (let i = 0; i < tokens.data.length; i += 5) {
      line += tokens.data[i];
      col = tokens.data[i] === 0 ? col + tokens.data[i + 1] : tokens.data[i + 1];
      const length = tokens.data[i + 2];
      const word = lines[line].substring(col, col + length);
      const defaultLibrary = (tokens.data[i + 4] & (1 << legend.tokenModifiers.indexOf('defaultLibrary'))) !== 0;
      const scope = expectedScope(legend.tokenTypes[tokens.data[i + 3]], defaultLibrary, word, lines[line], col);
      if (scope !== undefined) {
        perLine[line].push(`// <${'~'.repeat(col)}${'-'.repeat(length)} ${scope}`);
        assertions++;
      }
    }
    const body = [`// SYNTAX TEST "source.appl" "${path.relative(root, file)}"`];
    lines.forEach((l, i) => body.push(l, ...perLine[i]));
    const target = path.join(out, path.relative(root, file).replace(/[\\/]/g, '__'));
    fs.writeFileSync(target, body.join('\n'));
  }
  assert.strictEqual(await stopServer(server), 0);
  assert.ok(files.length >= 10 && assertions > 1000, `${files.length} files, ${assertions} assertions`);

  const tool = path.join(extension, 'node_modules', '.bin', 'vscode-tmgrammar-test');
  const result = cp.spawnSync(tool, ['-c', '-g', path.join(extension, 'syntaxes', 'appl.tmLanguage.json'),
    path.join(out, '*.appl')], { encoding: 'utf8', cwd: extension });
  assert.strictEqual(result.status, 0, `vscode-tmgrammar-test failed on ${out}:\n${result.stdout}\n${result.stderr}`);
  console.log(`grammar: ${files.length} files, ${assertions} assertions`);
});

test('the TextMate grammar on hand-written cases', () => {
  const tool = path.join(extension, 'node_modules', '.bin', 'vscode-tmgrammar-test');
  const result = cp.spawnSync(tool, ['-c', '-g', path.join(extension, 'syntaxes', 'appl.tmLanguage.json'),
    path.join(extension, 'test', 'grammar', '*.appl-test')], { encoding: 'utf8', cwd: extension });
  assert.strictEqual(result.status, 0, `${result.stdout}\n${result.stderr}`);
});
