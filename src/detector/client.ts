/**
 * What ingestion clients (`bulwark ingest`) need from the detector without loading the service:
 * the log readers and the ingestion request limits. Kept apart so the CLI starts fast.
 */
export { listFiles, readCloudTrail, readVpcFlow, readDns, readerFor, parseFlowLine, DEFAULT_FLOW_FIELDS, type ReadItem } from './parse.js';

/** Most records per ingestion request. */
export const INGEST_MAX_RECORDS = 10_000;
/** Largest ingestion request body. */
export const INGEST_MAX_BYTES = 5 * 1024 * 1024;
