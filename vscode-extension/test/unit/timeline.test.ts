// The timeline's layout code lives in the shared HTML template (one implementation for the CLI
// and the webview); this test runs that very script in a node VM.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as vm from "node:vm";
import type { TraceCall, TraceDict } from "../../src/protocol";
import { fillTimelineTemplate } from "../../src/timelineHtml";

const templatePath = join(__dirname, "..", "..", "..", "epic_lang", "eval", "timeline.html");
const template = readFileSync(templatePath, "utf8");

interface Layout {
  rows: { index: number; call: TraceCall; critical: boolean; duration: number }[];
  links: { from: number; to: number; critical: boolean }[];
  critical: number[];
  wall: number;
  summed: number;
  parallelism: number;
  criticalCallTime: number;
  kinds: Record<string, number>;
  errors: number;
  cancelled: number;
}
interface TimelineLib {
  layout(trace: TraceDict | null): Layout;
  criticalPath(calls: TraceCall[]): number[];
  ticks(wall: number, target: number): number[];
  formatSeconds(s: number): string;
}

function loadLibrary(): TimelineLib {
  const match = /<script nonce="EPIC_NONCE" id="epic-timeline-lib">([\s\S]*?)<\/script>/.exec(template);
  assert.ok(match, "the template has the timeline library script");
  const module = { exports: {} as TimelineLib };
  vm.runInNewContext(match[1], { module });
  const lib = module.exports;
  // Values made in the VM have the VM's Array/Object prototypes; copy them into this realm so
  // that deepStrictEqual compares structure only.
  const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  return {
    layout: (trace) => plain(lib.layout(trace)),
    criticalPath: (calls) => plain(lib.criticalPath(calls)),
    ticks: (wall, target) => plain(lib.ticks(wall, target)),
    formatSeconds: (s) => lib.formatSeconds(s),
  };
}

const lib = loadLibrary();

function call(id: number, start: number, end: number, after: number | null = null, kind: TraceCall["kind"] = "llm"): TraceCall {
  return { id, name: "llm", kind, path: "/p/jokes.epic", line: id, col: 1, start, end,
           status: "ok", args: `"prompt ${id}"`, result: `"answer ${id}"`, after };
}

// Three jokes at once, each rated as soon as it arrives; one Python call on the side.
const jokes: TraceDict = {
  wall: 1.9,
  calls: [
    call(4, 0.8, 1.2, 1), call(1, 0.0, 0.8), call(2, 0.0, 1.1), call(3, 0.01, 1.4),
    call(5, 1.1, 1.5, 2), call(6, 1.4, 1.85, 3), call(7, 0.1, 0.6, null, "python"),
  ],
};

describe("trace to timeline data", () => {
  it("puts one row per call, sorted by start time", () => {
    const layout = lib.layout(jokes);
    assert.equal(layout.rows.length, 7);
    assert.deepEqual(layout.rows.map((r) => r.call.id), [1, 2, 3, 7, 4, 5, 6]);
  });

  it("finds the critical path: the `after` chain with the most summed call time", () => {
    assert.deepEqual(lib.criticalPath(jokes.calls), [3, 6]);
    const layout = lib.layout(jokes);
    assert.deepEqual(layout.critical, [3, 6]);
    assert.deepEqual(layout.rows.filter((r) => r.critical).map((r) => r.call.id), [3, 6]);
    const critLinks = layout.links.filter((l) => l.critical);
    assert.equal(critLinks.length, 1);
    assert.equal(layout.rows[critLinks[0].to].call.id, 6);
  });

  it("compares wall time with summed call time", () => {
    const layout = lib.layout(jokes);
    assert.equal(layout.wall, 1.9);
    assert.ok(Math.abs(layout.summed - (0.4 + 0.8 + 1.1 + 1.39 + 0.4 + 0.45 + 0.5)) < 1e-9);
    assert.ok(Math.abs(layout.parallelism - layout.summed / 1.9) < 1e-9);
    assert.deepEqual(layout.kinds, { llm: 6, python: 1 });
    assert.equal(layout.links.length, 3);
  });

  it("stops at cycles and dangling `after` ids", () => {
    assert.deepEqual(lib.criticalPath([call(1, 0, 1, 2), call(2, 0, 2, 1)]), [1, 2]);
    assert.deepEqual(lib.criticalPath([call(1, 0, 1, 99)]), [1]);
  });

  it("handles an empty trace and a wall shorter than the last call", () => {
    const empty = lib.layout({ wall: 0.2, calls: [] });
    assert.equal(empty.rows.length, 0);
    assert.deepEqual(empty.critical, []);
    assert.equal(lib.layout(null).rows.length, 0);
    assert.equal(lib.layout({ wall: 0.5, calls: [call(1, 0, 0.7)] }).wall, 0.7);
  });

  it("draws round ticks across the wall time", () => {
    assert.deepEqual(lib.ticks(1.9, 4), [0, 0.5, 1, 1.5]);
    assert.deepEqual(lib.ticks(0, 4), [0]);
    assert.equal(lib.formatSeconds(0.25), "250 ms");
    assert.equal(lib.formatSeconds(1.5), "1.50 s");
  });
});

describe("filling the timeline template", () => {
  const hostile: TraceDict = { wall: 1, calls: [{ ...call(1, 0, 1), result: '"</script><script>alert(1)</script> EPIC_TITLE"' }] };
  const html = fillTimelineTemplate(template, hostile, "main() in <a>.epic", "n0nce");

  it("replaces every placeholder", () => {
    assert.doesNotMatch(html, /EPIC_NONCE|\/\*EPIC_TRACE\*\/null/);
    assert.equal(html.match(/nonce="n0nce"/g)?.length, 2);
    assert.match(html, /script-src 'nonce-n0nce'/);
  });

  it("escapes the title and keeps the trace from closing the script", () => {
    assert.match(html, /<title>EPIC timeline: main\(\) in &lt;a&gt;\.epic<\/title>/);
    assert.equal(html.match(/<\/script>/g)?.length, 2);
    assert.match(html, /EPIC_TITLE/, "placeholder text inside the trace is left alone");
    const json = /var trace = (.*);\n/.exec(html)?.[1] ?? "";
    assert.deepEqual(JSON.parse(json), hostile);
  });
});
