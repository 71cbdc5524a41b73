/**
 * The threat detector (GuardDuty): API, runtime, lists, ingestion API, live sources, response and
 * log readers. Detection modules live in ./detections/ (their own index); the contract between the
 * two is ./types.ts.
 */
export { GuardDuty, DetectorState, destinationDir, validateRecord, type EngineLike, type TypeInfo, type FindingEvent, type GuardDutyOptions, type IngestResult } from './guardduty.js';
export { guardDutyService, GUARDDUTY_LIMITS, type GuardDutyServiceDeps } from './service.js';
export { registerIngestEndpoints, INGEST_ENDPOINTS, INGEST_MAX_BYTES, INGEST_MAX_RECORDS } from './ingest-api.js';
export { LiveSources, SHIELD_ATTACK_CHANNEL } from './live.js';
export { Responder, parseGuardDutyConfig, guardDutyConfigSchema, eventBridgeEvent, type GuardDutyConfig, type ResponseRule, type ActionRecord } from './response.js';
export { listFiles, readCloudTrail, readVpcFlow, readDns, readerFor, parseFlowLine, DEFAULT_FLOW_FIELDS, type ReadItem } from './parse.js';
export { parseList, loadList, resolveLocation, IpMatcher, DomainMatcher, LIST_FORMATS, type ListFormat, type ParsedList } from './lists.js';
export { compileCriteria, sortFindings, buildFinding, type Finding, type FindingCriteria } from './findings.js';
export type * from './types.js';
