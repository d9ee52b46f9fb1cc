// Bundles the client with esbuild into dist/extension.js and copies the shared timeline template
// (one implementation for `epic run --trace-html` and the webview) into dist/.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
const template = join(root, "..", "epic_lang", "eval", "timeline.html");

mkdirSync(join(root, "dist"), { recursive: true });
copyFileSync(template, join(root, "dist", "timeline.html"));

const options = {
  entryPoints: [join(root, "src", "extension.ts")],
  outfile: join(root, "dist", "extension.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  minify: production,
  sourcemap: !production,
  logLevel: "warning",
};
if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
