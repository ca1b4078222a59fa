import { describe, expect, it } from "vitest";
import { melLanguage, tokenizeMel } from "./mel-mode";

const styleOf = (text: string, token: string) => tokenizeMel(text).find(([, t]) => t === token)?.[0];

describe("MEL mode", () => {
  it("is a CodeMirror language named mel", () => {
    expect(melLanguage.name).toBe("mel");
  });

  it("colours keywords, types, $variables, strings, numbers and comments", () => {
    const src = 'global proc string[] jointsOf(string $root) {\n  // children\n  int $n = 3;\n  if ($n > 2.5) return {"a\\"b"};\n}';
    const tokens = tokenizeMel(src);
    expect(styleOf(src, "global")).toBe("keyword");
    expect(styleOf(src, "proc")).toBe("keyword");
    expect(styleOf(src, "string")).toBe("typeName");
    expect(styleOf(src, "jointsOf")).toBe("variableName.definition");
    expect(styleOf(src, "$root")).toBe("variableName");
    expect(styleOf(src, "// children")).toBe("comment");
    expect(styleOf(src, "int")).toBe("typeName");
    expect(styleOf(src, "3")).toBe("number");
    expect(styleOf(src, "2.5")).toBe("number");
    expect(styleOf(src, "if")).toBe("keyword");
    expect(styleOf(src, "return")).toBe("keyword");
    expect(tokens).toContainEqual(["string", '"a\\"b"']);
  });

  it("knows procedure calls, command flags and booleans", () => {
    const src = "select -r -hierarchy pelvis;\nsetAttr ($node + \".v\") true;\nls(\"-sl\");";
    expect(styleOf(src, "-r")).toBe("attributeName");
    expect(styleOf(src, "-hierarchy")).toBe("attributeName");
    expect(styleOf(src, "select")).toBe("variableName");
    expect(styleOf(src, "true")).toBe("bool");
    expect(styleOf(src, "ls")).toBe("variableName.function");
    // A minus between values is an operator, not a flag.
    expect(tokenizeMel("$a = $b -1;")).toContainEqual(["operator", "-"]);
  });

  it("keeps block comments open across lines", () => {
    const tokens = tokenizeMel("/* one\n two */ int $x;");
    expect(tokens[0]).toEqual(["comment", "/* one"]);
    expect(tokens[1]).toEqual(["comment", " two */"]);
    expect(tokens[2]).toEqual(["typeName", "int"]);
  });
});
