// A data-plane worker that dies before it says hello (cluster.test.ts: the start fails).
process.exit(5);
