// Finds a JDK 25 or newer to run the language server with. Kept free of the VS Code API so that
// it is tested with plain Node.
import * as fs from 'fs';
import * as path from 'path';

export const REQUIRED_FEATURE = 25;

export interface JavaFound {
  /** The java executable. */
  java: string;
  /** The JDK's feature version, e.g. 25. */
  version: number;
  /** Where the candidate came from, for messages. */
  source: string;
}

export interface JavaSearch {
  found?: JavaFound;
  /** Why each candidate was refused, to tell the user when none is found. */
  refused: string[];
}

/**
 * The feature version of a JDK home, read from its `release` file (JAVA_VERSION="25.0.1"), or
 * undefined if it has none.
 */
export function jdkVersion(home: string): number | undefined {
  let release: string;
  try {
    release = fs.readFileSync(path.join(home, 'release'), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^JAVA_VERSION="(\d+)(?:\.\d+)*[^"]*"/m.exec(release);
  return m ? Number(m[1]) : undefined;
}

function javaIn(home: string): string {
  return path.join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
}

/** The places a JDK usually lives, newest first within each. */
function defaultHomes(): string[] {
  const roots = ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines', 'C:\\Program Files\\Java',
    'C:\\Program Files\\Eclipse Adoptium'];
  const homes: string[] = [];
  for (const root of roots) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(root);
    } catch {
      continue;
    }
    for (const e of entries.sort().reverse()) {
      const home = path.join(root, e);
      homes.push(fs.existsSync(path.join(home, 'Contents', 'Home')) ? path.join(home, 'Contents', 'Home') : home);
    }
  }
  return homes;
}

/**
 * Looks for a JDK 25+: the `appl.java.home` setting when given (and only there), then JAVA_HOME,
 * then the usual install folders.
 */
export function findJava(setting: string | undefined, env: NodeJS.ProcessEnv = process.env,
  homes: () => string[] = defaultHomes): JavaSearch {
  const refused: string[] = [];
  const candidates: Array<[string, string]> = [];
  if (setting && setting.trim() !== '') {
    candidates.push([setting.trim(), 'the setting appl.java.home']);
  } else {
    if (env.JAVA_HOME) {
      candidates.push([env.JAVA_HOME, 'JAVA_HOME']);
    }
    for (const h of homes()) {
      candidates.push([h, h]);
    }
  }
  for (const [home, source] of candidates) {
    const version = jdkVersion(home);
    if (version === undefined) {
      refused.push(`${source} (${home}) is not a JDK: it has no release file`);
    } else if (version < REQUIRED_FEATURE) {
      refused.push(`${source} (${home}) is JDK ${version}; appl needs ${REQUIRED_FEATURE} or newer`);
    } else if (!fs.existsSync(javaIn(home))) {
      refused.push(`${source} (${home}) has no ${javaIn(home)}`);
    } else {
      return { found: { java: javaIn(home), version, source }, refused };
    }
  }
  return { refused };
}

/** What to tell the user when no JDK was found. */
export function notFoundMessage(search: JavaSearch): string {
  const why = search.refused.length === 0 ? 'no JDK was found' : search.refused.join('; ');
  return `appl: the language server needs a JDK ${REQUIRED_FEATURE} or newer, and ${why}. ` +
    'Install one, or set "appl.java.home" to its folder.';
}
