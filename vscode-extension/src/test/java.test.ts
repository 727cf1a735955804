// How the extension finds a JDK 25: fake JDK folders with release files, no real JDK needed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { findJava, jdkVersion, notFoundMessage } from '../java';

function fakeJdk(version: string | undefined, withJava = true): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'appl-jdk-'));
  if (version !== undefined) {
    fs.writeFileSync(path.join(home, 'release'), `IMPLEMENTOR="Test"\nJAVA_VERSION="${version}"\n`);
  }
  if (withJava) {
    fs.mkdirSync(path.join(home, 'bin'));
    fs.writeFileSync(path.join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java'), '');
  }
  return home;
}

test('the release file gives the feature version', () => {
  assert.strictEqual(jdkVersion(fakeJdk('25.0.1')), 25);
  assert.strictEqual(jdkVersion(fakeJdk('17')), 17);
  assert.strictEqual(jdkVersion(fakeJdk(undefined)), undefined);
});

test('the setting wins, and only it is tried when given', () => {
  const jdk25 = fakeJdk('25');
  const jdk17 = fakeJdk('17.0.2');
  const found = findJava(jdk25, { JAVA_HOME: jdk17 }, () => []);
  assert.strictEqual(found.found?.source, 'the setting appl.java.home');
  assert.strictEqual(found.found?.version, 25);
  const refused = findJava(jdk17, { JAVA_HOME: jdk25 }, () => [jdk25]);
  assert.strictEqual(refused.found, undefined);
  assert.deepStrictEqual(refused.refused, [`the setting appl.java.home (${jdk17}) is JDK 17; appl needs 25 or newer`]);
});

test('JAVA_HOME, then the usual folders, skipping JDKs that are too old', () => {
  const jdk17 = fakeJdk('17');
  const jdk26 = fakeJdk('26-ea');
  const found = findJava(undefined, { JAVA_HOME: jdk17 }, () => [fakeJdk(undefined), jdk26]);
  assert.strictEqual(found.found?.version, 26);
  assert.strictEqual(found.found?.java, path.join(jdk26, 'bin', process.platform === 'win32' ? 'java.exe' : 'java'));
  assert.strictEqual(found.refused.length, 2);
});

test('a clear message when there is none', () => {
  const jdk17 = fakeJdk('17');
  const noJava = fakeJdk('25', false);
  const search = findJava(undefined, { JAVA_HOME: jdk17 }, () => [noJava]);
  assert.strictEqual(search.found, undefined);
  assert.strictEqual(notFoundMessage(search),
    `appl: the language server needs a JDK 25 or newer, and JAVA_HOME (${jdk17}) is JDK 17; appl needs 25 or newer; `
    + `${noJava} (${noJava}) has no ${path.join(noJava, 'bin', 'java')}. Install one, or set "appl.java.home" to its folder.`);
  assert.strictEqual(notFoundMessage(findJava(undefined, {}, () => [])),
    'appl: the language server needs a JDK 25 or newer, and no JDK was found. Install one, or set "appl.java.home" to its folder.');
});
