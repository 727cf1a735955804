// End to end: starts `applc lsp` as a process and speaks JSON-RPC to it over stdio, as VS Code does.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { startServer, stopServer } from './lsp-client';
import { repoRoot } from './paths';

test('applc lsp over stdio: initialize, diagnostics, hover, completion, shutdown', async () => {
  const root = repoRoot();
  const started = Date.now();
  const server = await startServer(root);
  const connection = server.connection;
  assert.strictEqual(server.capabilities.hoverProvider, true);
  const diagnostics = new Map<string, Array<{ message: string; code: string; range: unknown }>>();
  const published = new Promise<void>((resolve) => {
    connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: [] }) => {
      diagnostics.set(p.uri, p.diagnostics);
      resolve();
    });
  });

  // The firewall sample with a mistake: the ttl of an IPv4 header is a u8.
  const file = path.join(root, 'samples', 'firewall', 'firewall.appl');
  const text = fs.readFileSync(file, 'utf8').replace('var src_port: u16 = 0', 'var src_port: u16 = h.ip.ttl');
  const uri = `file://${file}`;
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'appl', version: 1, text } });
  await published;
  const firstDiagnosticsMillis = Date.now() - started;
  const line = text.split('\n').findIndex((l) => l.includes('var src_port: u16 = h.ip.ttl'));
  const column = text.split('\n')[line].indexOf('h.ip.ttl');
  assert.deepStrictEqual(diagnostics.get(uri)!.map((d) => [d.code, d.message, d.range]), [[
    'APPL0021', '`u16` and `u8` have different widths; convert one with `as`',
    { start: { line, character: column }, end: { line, character: column + 'h.ip.ttl'.length } },
  ]]);

  const hover = await connection.sendRequest('textDocument/hover', {
    textDocument: { uri }, position: { line, character: column + 5 },
  }) as { contents: { value: string } };
  assert.ok(hover.contents.value.startsWith('```appl\nttl: u8\n```\n*field* of `Ipv4`: byte 8, bits 64–71'), hover.contents.value);

  const completion = await connection.sendRequest('textDocument/completion', {
    textDocument: { uri }, position: { line, character: column + 2 },
  }) as Array<{ label: string }>;
  assert.deepStrictEqual(completion.map((c) => c.label), ['eth', 'ip', 'tcp', 'udp', 'payload']);

  assert.strictEqual(await stopServer(server), 0);
  console.log(`server start to first diagnostics: ${firstDiagnosticsMillis} ms`);
});
