/**
 * Entry script of a data-plane worker process, forked by the primary of
 * `bulwark start --data-plane-workers N` (src/data-plane.ts). It runs only the sites: it gets its
 * settings and configuration over IPC and never opens the store.
 */
import { runDataPlaneWorker } from './data-plane.js';

await runDataPlaneWorker();
