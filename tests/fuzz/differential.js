// Differential check of wafer's decoder+validator against V8's
// WebAssembly.validate. Usage: node differential.js DIR (as written by
// `spec_driver dump`). Prints the mutants where the engines disagree and
// exits 1 if there is any. Mutants we report as UNSUPPORTED (SIMD) or LIMIT
// (our resource limits) are skipped.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const lines = fs.readFileSync(path.join(dir, 'verdicts.txt'), 'utf8').split('\n');
let compared = 0, skipped = 0, disagreements = 0;
for (const line of lines) {
  if (!line) continue;
  const [file, code, ...message] = line.split(' ');
  if (code === 'UNSUPPORTED' || code === 'LIMIT') { skipped++; continue; }
  const bytes = fs.readFileSync(path.join(dir, file));
  const v8ok = WebAssembly.validate(bytes);
  const ours = code === 'OK';
  compared++;
  if (v8ok !== ours) {
    disagreements++;
    let why = '';
    if (!v8ok) {
      try { new WebAssembly.Module(bytes); } catch (e) { why = e.message; }
    }
    console.log(`${file}: wafer ${code} ${message.join(' ')} | V8 ${v8ok ? 'valid' : why}`);
  }
}
console.log(`${compared} compared, ${skipped} skipped, ${disagreements} disagreements`);
process.exit(disagreements ? 1 : 0);
