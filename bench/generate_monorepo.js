// Writes a generated npm-workspaces monorepo for the benchmarks:
//   node bench/generate_monorepo.js REPO PACKAGES FOLDERS FILES BUILD_SCRIPT
// PACKAGES packages p000…, each FOLDERS folders of FILES small .ts files, depending on 0 to 3
// packages of a lower index (a fixed LCG, mostly among the 30 before it, so the graph is
// deep); p000 is a leaf and the last package depends on the one with the largest transitive
// closure. Each package's "build" script is BUILD_SCRIPT. The same pipeline (build depends on
// ^build, outputs lib/**) is written for turbo (turbo.json), lage (lage.config.js) and memo
// (memo.json). Prints "<package> <direct deps> <closure size>" for p000, the middle and the last.
const fs = require("fs");
const path = require("path");
const [repo, packages, folders, files, build] = process.argv.slice(2);
const N = Number(packages), FOLDERS = Number(folders), FILES = Number(files);
let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n; };
const name = (i) => `p${String(i).padStart(3, "0")}`;
const deps = [];
const closure = [];
for (let i = 0; i < N; i++) {
  const mine = new Set();
  if (i === N - 1 && i > 1) {
    let best = 0;
    for (let j = 1; j < i; j++) if (closure[j].size > closure[best].size) best = j;
    mine.add(best).add(i - 1).add(Math.floor(i / 2));
  } else if (i > 0) {
    const k = rnd(4);
    for (let d = 0; d < k; d++) mine.add(Math.max(0, i - 1 - rnd(30)));
  }
  deps.push([...mine].sort((a, b) => a - b));
  const all = new Set(deps[i]);
  for (const d of deps[i]) for (const t of closure[d]) all.add(t);
  closure.push(all);
}
for (let i = 0; i < N; i++) {
  const dir = path.join(repo, "packages", name(i));
  const pkg = {
    name: `@bench/${name(i)}`, version: "1.0.0", private: true, main: "lib/index.js",
    scripts: { build },
    dependencies: Object.fromEntries(deps[i].map((d) => [`@bench/${name(d)}`, "*"])),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  for (let f = 0; f < FOLDERS; f++) {
    const sub = path.join(dir, "src", `mod${f}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let g = 0; g < FILES; g++) {
      const id = `${name(i)}_${f}_${g}`;
      const body =
        `import { helper } from "./file${String((g + 1) % FILES).padStart(2, "0")}";\n` +
        `export const value_${id} = ${(i * 7919 + f * 104729 + g) % 100000};\n` +
        `export function fn_${id}(x: number): number {\n  return helper(x) + value_${id};\n}\n` +
        `// ${"-".repeat(40)}\n`;
      fs.writeFileSync(path.join(sub, `file${String(g).padStart(2, "0")}.ts`), body);
    }
  }
}
const root = {
  name: "bench-root", private: true, workspaces: ["packages/*"], packageManager: "npm@10.0.0",
};
fs.writeFileSync(path.join(repo, "package.json"), JSON.stringify(root, null, 2) + "\n");
fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\nlib\n.turbo\n");
const turbo = {
  $schema: "https://turborepo.com/schema.json",
  remoteCache: { enabled: false },
  tasks: { build: { dependsOn: ["^build"], outputs: ["lib/**"] } },
};
fs.writeFileSync(path.join(repo, "turbo.json"), JSON.stringify(turbo, null, 2) + "\n");
fs.writeFileSync(path.join(repo, "lage.config.js"),
  "module.exports = { npmClient: 'npm', pipeline: { build: ['^build'] },\n" +
  "  cacheOptions: { outputGlob: ['lib/**'] } };\n");
fs.writeFileSync(path.join(repo, "memo.json"),
  JSON.stringify({ tasks: { build: { dependsOn: ["^build"], outputs: ["lib/**"] } } }, null, 2) + "\n");
// A minimal package-lock.json (lockfileVersion 3): `npm install --package-lock-only` makes a
// full one when it can.
const lock = { name: root.name, lockfileVersion: 3, requires: true,
               packages: { "": { name: root.name, workspaces: root.workspaces } } };
for (let i = 0; i < N; i++) {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, "packages", name(i), "package.json"), "utf8"));
  lock.packages[`node_modules/${pkg.name}`] = { resolved: `packages/${name(i)}`, link: true };
  lock.packages[`packages/${name(i)}`] = { name: pkg.name, version: pkg.version,
                                           dependencies: pkg.dependencies };
}
fs.writeFileSync(path.join(repo, "package-lock.json"), JSON.stringify(lock, null, 2) + "\n");
for (const i of [...new Set([0, Math.floor(N / 2), N - 1])]) {
  console.log(`${name(i)} ${deps[i].length} ${closure[i].size}`);
}
