// Where the tests find the repository and the applc distribution the server runs from.
import * as fs from 'fs';
import * as path from 'path';

export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..', '..');
}

/** The applc.jar to test: APPLC_JAR, or the one the Maven build assembles in dist/target. */
export function serverJar(): string {
  const jar = process.env.APPLC_JAR ?? path.join(repoRoot(), 'dist', 'target', 'applc.jar');
  if (!fs.existsSync(jar)) {
    throw new Error(`no ${jar}: build it with ./mvnw package -pl dist -am -DskipTests`);
  }
  return jar;
}
