// Copies the applc distribution (dist/target/applc.jar and its lib/) into server/, which the
// .vsix ships. Build it first: ./mvnw package -pl dist -am -DskipTests
const fs = require('fs');
const path = require('path');

const dist = path.resolve(__dirname, '..', '..', 'dist', 'target');
const server = path.resolve(__dirname, '..', 'server');
if (!fs.existsSync(path.join(dist, 'applc.jar'))) {
  console.error(`no ${path.join(dist, 'applc.jar')}: run ./mvnw package -pl dist -am -DskipTests first`);
  process.exit(1);
}
fs.rmSync(server, { recursive: true, force: true });
fs.mkdirSync(path.join(server, 'lib'), { recursive: true });
fs.copyFileSync(path.join(dist, 'applc.jar'), path.join(server, 'applc.jar'));
for (const jar of fs.readdirSync(path.join(dist, 'lib'))) {
  fs.copyFileSync(path.join(dist, 'lib', jar), path.join(server, 'lib', jar));
}
console.log(`bundled ${path.join(dist, 'applc.jar')} and ${fs.readdirSync(path.join(server, 'lib')).length} jars into server/`);
