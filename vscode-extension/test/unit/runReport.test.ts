import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RunOutput, TraceCall, TraceDict } from "../../src/protocol";
import { describeResult, type OutputPosition, outputText, parseLensArguments, progressText, traceSummary } from "../../src/runReport";

function call(id: number, kind: TraceCall["kind"], start: number, end: number): TraceCall {
  return { id, name: kind === "llm" ? "llm" : "tools.f", kind, path: "/p/a.epic", line: 1, col: 1,
           start, end, status: "ok", args: "", result: "", after: null };
}

const trace: TraceDict = { wall: 2, calls: [call(1, "llm", 0, 1), call(2, "llm", 0, 1.5), call(3, "python", 1, 2)] };

describe("run reports", () => {
  it("accepts the code lens arguments and defaults the entry to main", () => {
    assert.deepEqual(parseLensArguments({ uri: "file:///a.epic", entry: "solve" }), { uri: "file:///a.epic", entry: "solve" });
    assert.deepEqual(parseLensArguments({ uri: "file:///a.epic" }), { uri: "file:///a.epic", entry: "main" });
    assert.equal(parseLensArguments({ entry: "main" }), undefined);
    assert.equal(parseLensArguments("file:///a.epic"), undefined);
  });

  it("summarises a trace: wall time against summed call time", () => {
    assert.equal(
      traceSummary(trace),
      "3 external calls (2 llm, 1 python); wall 2.00 s, summed call time 3.50 s, parallelism 1.75x",
    );
    assert.equal(traceSummary({ wall: 0.004, calls: [] }), "0 external calls; wall 4 ms, summed call time 0 ms, parallelism 0.00x");
  });

  it("prints the value, then the trace summary", () => {
    const report = describeResult({ value: "hello", error: null, trace });
    assert.deepEqual(report.lines, ["hello"]);
    assert.equal(report.ok, true);
    assert.match(report.traceLine ?? "", /^trace: 3 external calls/);
  });

  it("prints an error with its EPIC call stack", () => {
    const report = describeResult({
      value: null,
      trace: null,
      error: { message: "division by zero", rendered: "a.epic:3:5: error: division by zero\n  in main (a.epic:7:1)", uri: null, range: null },
    });
    assert.equal(report.ok, false);
    assert.deepEqual(report.lines, ["✖ a.epic:3:5: error: division by zero", "    in main (a.epic:7:1)"]);
    assert.equal(report.traceLine, null);
  });

  it("recognises a run the server reports as cancelled", () => {
    const report = describeResult({ value: null, trace, error: { message: "cancelled", rendered: "", uri: null, range: null } });
    assert.equal(report.cancelled, true);
    assert.deepEqual(report.lines, ["■ cancelled"]);
  });

  it("shows progress in the status bar", () => {
    assert.equal(progressText("main"), "$(sync~spin) EPIC main");
    assert.equal(progressText("main", "3 calls in flight"), "$(sync~spin) EPIC main: 3 calls in flight");
  });

  it("appends streamed text under a header per call, starting a line when the call changes", () => {
    const first = outputText(
      { kind: "stream", pieces: [{ call: 0, label: "llm_stream at line 3", text: "1. Cats\n2. Ta" }] },
      { lastCall: undefined, atLineStart: true },
    );
    assert.deepEqual(first, { text: "▸ llm_stream at line 3:\n1. Cats\n2. Ta", at: { lastCall: 0, atLineStart: false } });
    const more = outputText(
      {
        kind: "stream",
        pieces: [
          { call: 0, label: "llm_stream at line 3", text: "xes\n" },
          { call: 4, label: "llm_stream at line 5", text: "Hi" },
          { call: 0, label: "llm_stream at line 3", text: "3. Rain\n" },
        ],
      },
      first.at,
    );
    assert.equal(
      more.text,
      "xes\n▸ llm_stream at line 5:\nHi\n▸ llm_stream at line 3:\n3. Rain\n",
    );
    assert.deepEqual(more.at, { lastCall: 0, atLineStart: true });
  });

  it("puts a printed line on a line of its own, and the stream's header again after it", () => {
    const stream = (text: string): RunOutput => ({ kind: "stream", pieces: [{ call: 0, label: "llm_stream at line 3", text }] });
    const outputs: RunOutput[] = [stream("1. Ca"), { kind: "print", text: "draft: 1" }, stream("ts\n")];
    let at: OutputPosition = { lastCall: undefined, atLineStart: true };
    let channel = "";
    for (const output of outputs) {
      const out = outputText(output, at);
      channel += out.text;
      at = out.at;
    }
    assert.equal(channel, "▸ llm_stream at line 3:\n1. Ca\ndraft: 1\n▸ llm_stream at line 3:\nts\n");
    assert.deepEqual(at, { lastCall: 0, atLineStart: true });
  });
});
