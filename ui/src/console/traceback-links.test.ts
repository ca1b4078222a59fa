import { describe, expect, it } from "vitest";
import { segmentText } from "./console-rows";
import { parseTracebackRef, resolveTracebackRef, type LinkTab } from "./traceback-links";

const tabs: LinkTab[] = [
  { id: "t1", title: "Script 1", path: null },
  { id: "t2", title: "rig.py", path: "/home/me/tools/rig.py" },
  { id: "t3", title: "rig.py", path: "/other/rig.py" },
];

describe("traceback links", () => {
  it("finds File \"…\", line N in Python and Maya's # prefixed tracebacks", () => {
    expect(parseTracebackRef('  File "/home/me/tools/rig.py", line 12, in build')).toMatchObject({ file: "/home/me/tools/rig.py", line: 12, start: 2 });
    expect(parseTracebackRef('# File "<maya console>", line 1, in <module>')).toMatchObject({ file: "<maya console>", line: 1 });
    expect(parseTracebackRef("NameError: name 'x' is not defined")).toBeNull();
    const ref = parseTracebackRef('  File "a.py", line 3, in f');
    expect('  File "a.py", line 3, in f'.slice(ref!.start, ref!.end)).toBe('File "a.py", line 3');
  });

  it("resolves saved files by path, unsaved tabs by title, selections with their offset", () => {
    expect(resolveTracebackRef({ file: "/home/me/tools/rig.py", line: 12 }, tabs)).toEqual({ tabId: "t2", line: 12 });
    expect(resolveTracebackRef({ file: "<Script 1>", line: 4 }, tabs)).toEqual({ tabId: "t1", line: 4 });
    expect(resolveTracebackRef({ file: "<Script 1, from line 10>", line: 3 }, tabs)).toEqual({ tabId: "t1", line: 12 });
    expect(resolveTracebackRef({ file: "</other/rig.py, from line 5>", line: 1 }, tabs)).toEqual({ tabId: "t3", line: 5 });
  });

  it("gives no target for files that are not open", () => {
    expect(resolveTracebackRef({ file: "<maya console>", line: 1 }, tabs)).toBeNull();
    expect(resolveTracebackRef({ file: "/elsewhere/x.py", line: 1 }, tabs)).toBeNull();
    expect(resolveTracebackRef({ file: "<Script 9>", line: 1 }, tabs)).toBeNull();
  });

  it("cuts a line into text, link and search-match segments", () => {
    const segs = segmentText('  File "<Script 1>", line 2, in <module> script', /script/i, tabs);
    expect(segs.map((s) => s.text).join("")).toBe('  File "<Script 1>", line 2, in <module> script');
    const link = segs.find((s) => s.link);
    expect(link?.link?.target).toEqual({ tabId: "t1", line: 2 });
    expect(link?.match).toBe(true);
    expect(segs.filter((s) => s.match && !s.link).map((s) => s.text)).toEqual(["script"]);
    expect(segmentText("a hips b HIPS", /hips/i, null).map((s) => [s.text, !!s.match])).toEqual([
      ["a ", false],
      ["hips", true],
      [" b ", false],
      ["HIPS", true],
    ]);
  });
});
