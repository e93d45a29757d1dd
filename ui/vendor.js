// Copies the built files of the pinned libraries (package.json) into ibc/ui/static/vendor/,
// where `ibc ui` serves them from (docs/ui.md, "Assets"). Run: npm ci && npm run vendor
const fs = require("fs");
const path = require("path");

const out = path.join(__dirname, "..", "ibc", "ui", "static", "vendor");
const files = [
  ["echarts/dist/echarts.min.js", "echarts.min.js"],
  ["echarts/LICENSE", "echarts.LICENSE.txt"],
  ["@dagrejs/dagre/dist/dagre.min.js", "dagre.min.js"],
  ["@dagrejs/dagre/LICENSE", "dagre.LICENSE.txt"],
];
fs.mkdirSync(out, { recursive: true });
const versions = {};
for (const name of ["echarts", "@dagrejs/dagre"]) {
  versions[name] = require(path.join(__dirname, "node_modules", name, "package.json")).version;
}
for (const [from, to] of files) {
  fs.copyFileSync(path.join(__dirname, "node_modules", from), path.join(out, to));
}
fs.writeFileSync(path.join(out, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
console.log(`vendored ${Object.entries(versions).map(([n, v]) => `${n}@${v}`).join(", ")} into ${out}`);
