/**
 * The ingestion API: SigV4-signed operator endpoints `/_bulwark/ingest/cloudtrail|vpcflow|dns`
 * (service 'bulwark', actions bulwark:IngestCloudTrail / IngestVpcFlowLogs / IngestDnsLogs) taking
 * batches of parsed records `{"records":[...]}`, or a CloudTrail document as delivered
 * `{"Records":[...]}` (up to 10,000 records, 5 MB). Records are analysed by
 * the caller's detector (its account and the request's Region); the answer counts accepted,
 * duplicate and skipped records and the findings created or updated.
 */
import type { ApiServer } from '../http/index.js';
import { batchError, batchRecords, type GuardDuty } from './guardduty.js';
import { INGEST_MAX_BYTES, INGEST_MAX_RECORDS } from './client.js';

export { INGEST_MAX_BYTES, INGEST_MAX_RECORDS };

/** The three endpoints and their IAM actions. */
export const INGEST_ENDPOINTS = {
  cloudtrail: 'bulwark:IngestCloudTrail',
  vpcflow: 'bulwark:IngestVpcFlowLogs',
  dns: 'bulwark:IngestDnsLogs',
} as const;

/** Registers the ingestion endpoints on the API server. */
export function registerIngestEndpoints(server: Pick<ApiServer, 'registerInternal'>, gd: GuardDuty): void {
  for (const kind of Object.keys(INGEST_ENDPOINTS) as (keyof typeof INGEST_ENDPOINTS)[]) {
    server.registerInternal(`ingest/${kind}`, {
      action: INGEST_ENDPOINTS[kind],
      maxBodyBytes: INGEST_MAX_BYTES,
      handler: async (body, caller) => {
        const records = batchRecords(body, INGEST_MAX_RECORDS);
        if (!Array.isArray(records)) throw batchError(records);
        return gd.ingest(kind, records, caller.accountId, caller.region);
      },
      // With a detection thread, the body goes there unparsed (the same checks are made there).
      ...(gd.threaded ? { rawHandler: (raw: Buffer, caller: { readonly accountId: string; readonly region: string }) => gd.ingestRaw(kind, raw, caller.accountId, caller.region) } : {}),
    });
  }
}
