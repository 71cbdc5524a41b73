// A data-plane worker that speaks cluster.ts's protocol by hand (the test runs TypeScript sources,
// which a forked Node process cannot import): hello → init → ready; echoes messages; 'crash' exits 3;
// 'stop' (or SIGTERM) answers 'stopping' and exits 0.
process.on('message', (m) => {
  if (!m || typeof m.bulwarkDataPlane !== 'string') return;
  switch (m.bulwarkDataPlane) {
    case 'init':
      process.send({ bulwarkDataPlane: 'env', secretSet: 'BULWARK_TEST_SECRET' in process.env, init: m.init, secretBytes: Buffer.from(m.secret, 'base64').length, pid: process.pid });
      setTimeout(() => process.send({ bulwarkDataPlane: 'ready' }), 20);
      return;
    case 'crash':
      process.exit(3);
      return;
    case 'stop':
      process.send({ bulwarkDataPlane: 'stopping' }, () => process.exit(0));
      return;
    default:
      process.send({ bulwarkDataPlane: 'echo', got: m });
  }
});
process.send({ bulwarkDataPlane: 'hello' });
