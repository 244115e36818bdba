// Sends every hostile input of the test suite (test/support/hostile-cases.ts) to a live app over
// raw sockets and prints what it answered, as a markdown table: `| input | answer | connection |`.
// The app is the suite's (small timeouts: headers 500 ms, request 1500 ms). About 5 s.
// Not a benchmark, so not in bench/ (which never imports test/). Usage: npm run hostile-inputs
import { HOSTILE_CASES, HOSTILE_LIMITS, hostileApp, runCase, tableRow } from '../test/support/hostile-cases.js';

const hostile = hostileApp();
const { port } = await hostile.app.listen({ port: 0, handleSignals: false });
const rows: string[] = [];
let unexpected = 0;
try {
  for (const entry of HOSTILE_CASES) {
    const observed = await runCase(port, hostile, entry);
    rows.push(tableRow(entry, observed));
    const status = observed.response?.status ?? null;
    if (status !== entry.expect.status || observed.freshConnection !== 200 || observed.smuggled > 0) unexpected++;
  }
} finally {
  await hostile.app.close();
}
console.log(`Node ${process.version}; app limits: headersTimeout ${HOSTILE_LIMITS.headersTimeout} ms, requestTimeout ${HOSTILE_LIMITS.requestTimeout} ms, keepAliveTimeout ${HOSTILE_LIMITS.keepAliveTimeout} ms, maxHeaderSize 16 KiB, bodyLimit 1 MiB.\n`);
console.log('| input | answer | connection |');
console.log('|---|---|---|');
for (const row of rows) console.log(row);
if (unexpected > 0) {
  console.log(`\n${unexpected} answer(s) differ from what test/app/hostile-input.test.ts expects.`);
  process.exitCode = 1;
}
