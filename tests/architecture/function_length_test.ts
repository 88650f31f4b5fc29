/**
 * Issue 16 point 4: no function in src/ runs to 80 lines or more without a comment at its top saying why
 * it is right long (one that contains "long" in the comment block just above it, e.g. "Long on purpose:
 * one dispatch over the opcodes"). Functions are found with the TypeScript parser: declarations,
 * methods, and arrow or function expressions assigned to a name; a nested function counts on its own.
 */

import { assertEquals } from "../support/assert.ts";
import ts from "npm:typescript@5.6.3";

const SRC = new URL("../../src/", import.meta.url);
const LIMIT = 80;

async function* files(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* files(url);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".gen.ts")) yield url;
  }
}

/** The comment block just above `node` (leading comments of the node or of its statement). */
function commentAbove(node: ts.Node, text: string): string {
  let target: ts.Node = node;
  while (
    target.parent &&
    (ts.isVariableDeclaration(target.parent) || ts.isVariableDeclarationList(target.parent) ||
      ts.isVariableStatement(target.parent) || ts.isPropertyAssignment(target.parent) ||
      ts.isExportAssignment(target.parent))
  ) target = target.parent;
  const ranges = ts.getLeadingCommentRanges(text, target.getFullStart()) ?? [];
  return ranges.map((r) => text.slice(r.pos, r.end)).join("\n");
}

function nameOf(node: ts.Node): string {
  const n = (node as { name?: ts.Node }).name;
  if (n && ts.isIdentifier(n)) return n.text;
  if (n && ts.isPrivateIdentifier(n)) return n.text;
  if (node.parent && ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) {
    return node.parent.name.text;
  }
  if (node.parent && ts.isPropertyAssignment(node.parent)) return node.parent.name.getText();
  return "(anonymous)";
}

Deno.test(`no function in src/ of ${LIMIT}+ lines without a comment saying why it is long`, async () => {
  const offenders: string[] = [];
  for await (const url of files(SRC)) {
    const text = await Deno.readTextFile(url);
    const sf = ts.createSourceFile(url.pathname, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (
        ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) ||
        ts.isArrowFunction(node) || ts.isFunctionExpression(node)
      ) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = end - start + 1;
        if (lines >= LIMIT && !/\blong\b/i.test(commentAbove(node, text))) {
          offenders.push(
            `${url.pathname.slice(SRC.pathname.length)}:${start + 1} ${nameOf(node)} (${lines} lines)`,
          );
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  assertEquals(offenders, [], "split these, or say at their top why they are right long");
});
