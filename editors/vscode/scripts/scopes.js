// Tokenize .ib files with the extension's TextMate grammar, as VS Code does (vscode-textmate
// and the Oniguruma engine), and print each file's tokens as JSON:
//   [[line, startColumn, endColumn, text, [scope, ...]], ...]   (0-based line and columns)
// Used by tests/editors/test_keywords.py to check the scope of every keyword of the language.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const GRAMMAR = path.join(__dirname, "..", "syntaxes", "iterbuild.tmLanguage.json");

async function main(files) {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.iterbuild"
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR)
        : null,
  });
  const grammar = await registry.loadGrammar("source.iterbuild");
  const out = {};
  for (const file of files) {
    const tokens = [];
    let stack = vsctm.INITIAL;
    fs.readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, number) => {
        const result = grammar.tokenizeLine(line, stack);
        for (const token of result.tokens) {
          const text = line.slice(token.startIndex, token.endIndex);
          tokens.push([number, token.startIndex, token.endIndex, text, token.scopes]);
        }
        stack = result.ruleStack;
      });
    out[file] = tokens;
  }
  process.stdout.write(JSON.stringify(out));
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
