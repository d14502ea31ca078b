// Lets plain `node` run our TypeScript (benchmarks, child processes in tests) by transpiling on require.
// Type checking is `npm run typecheck`'s job; this only strips types, so start-up stays fast.
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false, inlineSourceMap: true };

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: options, fileName: filename });
  module._compile(outputText, filename);
};
