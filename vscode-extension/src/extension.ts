// The VS Code side of appl: starts the language server (`applc lsp` from the bundled jar, on a
// JDK 25+ it finds) and offers commands that run applc on the current file.
import * as cp from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { applc, bundledJar, commands } from './applc';
import { findJava, notFoundMessage } from './java';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('appl');
  context.subscriptions.push(output);
  const register = (id: string, run: () => Promise<void>) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, () => run().catch(
      (e: unknown) => vscode.window.showErrorMessage(`appl: ${e instanceof Error ? e.message : String(e)}`))));

  register('appl.restartServer', async () => {
    await stop();
    await start(context);
  });
  register('appl.checkWorkspace', async () => {
    if (!client) {
      throw new Error('the language server is not running');
    }
    const errors = await client.sendRequest('workspace/executeCommand', { command: 'appl.checkWorkspace', arguments: [] });
    vscode.window.showInformationMessage(`appl: checked the workspace: ${errors} error(s); see the Problems view.`);
  });
  register('appl.runTests', async () => runOnFile(context, 'Tests', (f) => commands.test(f)));
  register('appl.buildAppliance', async () => runOnFile(context, 'Build',
    (f) => commands.build(f, path.join(path.dirname(f), 'build'))));
  register('appl.showIr', async () => showOutput(context, commands.ir));
  register('appl.showBytecode', async () => showOutput(context, commands.bytecode));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(async (e) => {
    if (e.affectsConfiguration('appl.java.home')) {
      await stop();
      await start(context);
    }
  }));
  await start(context);
}

export async function deactivate(): Promise<void> {
  await stop();
}

/** The java executable to run applc with, or undefined after telling the user why there is none. */
function java(): string | undefined {
  const setting = vscode.workspace.getConfiguration('appl').get<string>('java.home');
  const search = findJava(setting);
  if (!search.found) {
    const message = notFoundMessage(search);
    output.appendLine(message);
    vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
      if (choice) {
        vscode.commands.executeCommand('workbench.action.openSettings', 'appl.java.home');
      }
    });
    return undefined;
  }
  output.appendLine(`appl: using JDK ${search.found.version} from ${search.found.source}: ${search.found.java}`);
  return search.found.java;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const javaPath = java();
  if (!javaPath) {
    return;
  }
  const run = applc(javaPath, bundledJar(context.extensionPath), commands.lsp());
  const serverOptions: ServerOptions = { command: run.command, args: run.args };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'appl' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.appl') },
    outputChannel: output,
  };
  client = new LanguageClient('appl', 'appl language server', serverOptions, clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  if (client) {
    const c = client;
    client = undefined;
    await c.stop();
  }
}

function currentSpec(): string {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'appl' || editor.document.uri.scheme !== 'file') {
    throw new Error('open a saved .appl file first');
  }
  return editor.document.uri.fsPath;
}

/** Runs applc in a terminal, where its output and exit status stay visible. */
async function runOnFile(context: vscode.ExtensionContext, title: string, args: (file: string) => string[]): Promise<void> {
  const file = currentSpec();
  await vscode.window.activeTextEditor?.document.save();
  const javaPath = java();
  if (!javaPath) {
    return;
  }
  const run = applc(javaPath, bundledJar(context.extensionPath), args(file));
  const terminal = vscode.window.createTerminal({ name: `appl: ${title}`, cwd: path.dirname(file) });
  terminal.show();
  terminal.sendText([run.command, ...run.args].map(quote).join(' '));
}

/** Runs applc explain and opens what it prints beside the spec. */
async function showOutput(context: vscode.ExtensionContext, args: (file: string) => string[]): Promise<void> {
  const file = currentSpec();
  const javaPath = java();
  if (!javaPath) {
    return;
  }
  const run = applc(javaPath, bundledJar(context.extensionPath), args(file));
  const result = cp.spawnSync(run.command, run.args, { cwd: path.dirname(file), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    output.appendLine(result.stderr ?? '');
    output.show();
    throw new Error(`applc explain failed (exit ${result.status}); see the appl output`);
  }
  const doc = await vscode.workspace.openTextDocument({ content: result.stdout, language: 'plaintext' });
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside);
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_\/.:=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
