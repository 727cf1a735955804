// A minimal LSP client over stdio for the tests: starts `applc lsp` from the built distribution.
import * as cp from 'child_process';
import * as rpc from 'vscode-jsonrpc/node';
import { applc, commands } from '../applc';
import { findJava } from '../java';
import { serverJar } from './paths';

export interface Server {
  connection: rpc.MessageConnection;
  exited: Promise<number | null>;
  /** The initialize result's capabilities. */
  capabilities: { hoverProvider?: boolean; semanticTokensProvider?: { legend: { tokenTypes: string[]; tokenModifiers: string[] } } };
}

export async function startServer(root: string): Promise<Server> {
  const java = findJava(process.env.APPL_JAVA_HOME);
  if (!java.found) {
    throw new Error(`no JDK 25: ${java.refused.join('; ')}`);
  }
  const run = applc(java.found.java, serverJar(), commands.lsp());
  const server = cp.spawn(run.command, run.args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  connection.listen();
  const init = await connection.sendRequest('initialize', {
    processId: process.pid, rootUri: `file://${root}`, capabilities: {},
    workspaceFolders: [{ uri: `file://${root}`, name: 'appl' }],
  }) as { capabilities: Server['capabilities'] };
  await connection.sendNotification('initialized', {});
  return { connection, exited, capabilities: init.capabilities };
}

export async function stopServer(server: Server): Promise<number | null> {
  await server.connection.sendRequest('shutdown');
  await server.connection.sendNotification('exit');
  const code = await server.exited;
  server.connection.dispose();
  return code;
}
