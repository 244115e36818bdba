// The loopwise server with its loop guard off: the bench's way to measure what the guard costs.
process.env.BENCH_GUARD = '0';
await import('./loopwise.js');
