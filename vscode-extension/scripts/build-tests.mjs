// Compiles the unit tests (test/unit/*.test.ts, pure modules only: no `vscode`) to out/test/
// for node's built-in test runner.
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = join(root, "test", "unit");
rmSync(join(root, "out"), { recursive: true, force: true });
await esbuild.build({
  entryPoints: readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => join(dir, f)),
  outdir: join(root, "out", "test"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  sourcemap: "inline",
  logLevel: "warning",
});
