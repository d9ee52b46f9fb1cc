// Snapshot test of the grammar's tokens for every EPIC program in the repository's examples/.
// vscode-tmgrammar-snap keeps each `.snap` beside its source file, and examples/ belongs to the
// language, so the examples are copied into test/snapshots/ (copies git-ignored, snapshots
// committed). A missing snapshot fails the test; `-u` (or `--update`) rewrites them all.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const examples = join(root, "..", "examples");
const target = join(root, "test", "snapshots");
const update = process.argv.includes("-u") || process.argv.includes("--update");

function epicFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return epicFiles(path);
    return name.endsWith(".epic") ? [path] : [];
  });
}

const sources = epicFiles(examples);
if (sources.length === 0) {
  console.error(`no .epic files under ${examples}`);
  process.exit(1);
}
const flat = (path) => relative(examples, path).replaceAll("/", "__");
const wanted = new Set(sources.map(flat));
for (const name of readdirSync(target)) {
  const base = name.replace(/\.snap$/, "");
  if (base.endsWith(".epic") && !wanted.has(base)) {
    if (name.endsWith(".snap") && !update) {
      console.error(`stale snapshot ${name}: its example is gone (run npm run test:snapshots -- -u)`);
      process.exit(1);
    }
    rmSync(join(target, name));
  }
}
const missing = [];
for (const source of sources) {
  const copy = join(target, flat(source));
  copyFileSync(source, copy);
  if (!existsSync(`${copy}.snap`)) missing.push(flat(source));
}
if (missing.length > 0 && !update) {
  console.error(`no token snapshot for: ${missing.join(", ")} (run npm run test:snapshots -- -u)`);
  process.exit(1);
}
const bin = join(root, "node_modules", ".bin", "vscode-tmgrammar-snap");
const args = ["-g", join(root, "syntaxes", "epic.tmLanguage.json"), "-s", "source.epic"];
if (update) args.push("-u");
args.push(join(target, "*.epic"));
const result = spawnSync(bin, args, { stdio: "inherit" });
console.log(`${sources.length} example files checked against token snapshots`);
process.exit(result.status ?? 1);
