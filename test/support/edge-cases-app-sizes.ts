/** The size of test/support/edge-cases-app.ts's GET /big body: larger than loopback's socket buffers on both sides, so a client that does not read stalls the write. */
export const BIG_SIZE = 32 * 1024 * 1024;
