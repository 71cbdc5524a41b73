/**
 * The Amazon GuardDuty API (rest-json, model src/models/guardduty.json): detectors, findings
 * (list/get/statistics/archive/feedback/samples), filters (ARCHIVE = suppression rule), IP sets and
 * threat intel sets, threat/trusted entity sets, publishing destinations and tags, with GuardDuty's
 * quotas and its way of answering errors (BadRequestException with a `type`). See docs/guardduty.md.
 */
import { mkdirSync } from 'node:fs';
import type { OperationHandler, RequestContext, ServiceDefinition, ServiceModel } from '../http/index.js';
import guarddutyModel from '../models/guardduty.json' with { type: 'json' };
import { badRequest, compileCriteria, newId, resourceIdOf, severityKey, sortFindings, type Finding, type FindingCriteria, type SortCriteria } from './findings.js';
import { destinationDir, type DetectorState, type GuardDuty } from './guardduty.js';
import { LIST_FORMATS, loadList, type ListFormat } from './lists.js';
import type { DestinationRecord, DetectorRecord, FilterRecord, SetKind, SetRecord } from './store.js';
import { fromWire } from './wire.js';

const model = guarddutyModel as unknown as ServiceModel;

/** GuardDuty's quotas (per account and Region, or per detector). */
export const GUARDDUTY_LIMITS = {
  detectorsPerRegion: 1,
  filtersPerDetector: 100,
  ipSets: 1,
  threatIntelSets: 6,
  threatEntitySets: 6,
  trustedEntitySets: 1,
  publishingDestinations: 1,
  tagsPerResource: 50,
} as const;

/** Dependencies of the service. */
export interface GuardDutyServiceDeps {
  readonly gd: GuardDuty;
  readonly accountId: string;
  readonly region: string;
  readonly now?: () => Date;
}

type Json = Record<string, unknown>;
type Tags = Record<string, string>;

const FILTER_NAME = /^[a-zA-Z0-9_.-]{3,64}$/;
const FEATURES = new Set(['S3_DATA_EVENTS', 'EKS_AUDIT_LOGS', 'EBS_MALWARE_PROTECTION', 'RDS_LOGIN_EVENTS', 'EKS_RUNTIME_MONITORING', 'LAMBDA_NETWORK_LOGS', 'RUNTIME_MONITORING']);

/** Opaque pagination token (an offset). */
function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), 'utf8').toString('base64url');
}

function decodeToken(t: string | undefined): number {
  if (t === undefined || t === '') return 0;
  try {
    const o = (JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through
  }
  throw badRequest('The request is rejected because the input NextToken is not valid.');
}

/** One page of `items`. */
function page<T>(items: readonly T[], max: number | undefined, token: string | undefined, dflt = 50): { items: T[]; next?: string } {
  const off = decodeToken(token);
  const n = max ?? dflt;
  const slice = items.slice(off, off + n);
  return off + n < items.length ? { items: slice, next: encodeToken(off + n) } : { items: slice };
}

function checkTags(t: Tags | undefined): Tags {
  if (!t) return {};
  const keys = Object.keys(t);
  if (keys.length > GUARDDUTY_LIMITS.tagsPerResource) throw badRequest('The request is rejected because the number of tags exceeds the limit of 50.');
  for (const k of keys) if (k.toLowerCase().startsWith('aws:')) throw badRequest('The request is rejected because tag keys cannot start with aws:.');
  return { ...t };
}

const SET_KINDS: Record<SetKind, { label: string; limit: number; idName: string; trusted: boolean }> = {
  ipset: { label: 'IPSets', limit: GUARDDUTY_LIMITS.ipSets, idName: 'IpSetId', trusted: true },
  threatintelset: { label: 'ThreatIntelSets', limit: GUARDDUTY_LIMITS.threatIntelSets, idName: 'ThreatIntelSetId', trusted: false },
  threatentityset: { label: 'ThreatEntitySets', limit: GUARDDUTY_LIMITS.threatEntitySets, idName: 'ThreatEntitySetId', trusted: false },
  trustedentityset: { label: 'TrustedEntitySets', limit: GUARDDUTY_LIMITS.trustedEntitySets, idName: 'TrustedEntitySetId', trusted: true },
};

/** Builds the GuardDuty service definition. */
export function guardDutyService(deps: GuardDutyServiceDeps): ServiceDefinition {
  const { gd } = deps;
  const now = deps.now ?? (() => new Date());
  const detArn = (ctx: RequestContext, id: string): string => `arn:aws:guardduty:${ctx.region}:${ctx.accountId}:detector/${id}`;
  const det = (input: Json, ctx: RequestContext): DetectorState => gd.detector(String(input.DetectorId ?? ''), ctx.accountId, ctx.region);
  const onDetector = (input: Json, ctx: RequestContext): string[] => [detArn(ctx, String(input.DetectorId ?? ''))];
  const notFound = (): Error => badRequest('The request is rejected since no such resource found.');

  const op = <I extends Json>(handler: (input: I, ctx: RequestContext) => Json | Promise<Json>, extra: Partial<OperationHandler<I, Json>> = {}): OperationHandler<I, Json> => ({
    resources: onDetector as (i: I, c: RequestContext) => string[],
    ...extra,
    handler,
  });

  // ---- lists (four kinds, one implementation) ----
  const setOps = (kind: SetKind, names: { create: string; get: string; update: string; del: string; list: string; listKey: string }): Record<string, OperationHandler<Json, Json>> => {
    const k = SET_KINDS[kind];
    const find = (st: DetectorState, id: string): SetRecord => {
      const s = st.sets.get(id);
      if (!s || s.kind !== kind) throw notFound();
      return s;
    };
    const check = (format: ListFormat, location: string): void => {
      try {
        loadList(format, location, gd.opts.bucketsRoot);
      } catch (e) {
        throw badRequest(`The request is rejected because the location could not be read: ${(e as Error).message}`);
      }
    };
    return {
      [names.create]: op(async (input, ctx) => {
        const st = det(input, ctx);
        const format = input.Format as ListFormat;
        if (!LIST_FORMATS.includes(format)) throw badRequest();
        if (gd.setsOf(st, kind).length >= k.limit) {
          throw badRequest(`The request is rejected because the current account cannot create more than ${k.limit} ${k.label}.`);
        }
        const location = String(input.Location);
        const activate = input.Activate === true;
        if (activate) check(format, location);
        const ts = now().toISOString();
        const rec: SetRecord = {
          detectorId: st.rec.id,
          kind,
          id: newId(),
          name: String(input.Name),
          format,
          location,
          status: activate ? 'ACTIVE' : 'INACTIVE',
          ...(typeof input.ExpectedBucketOwner === 'string' ? { expectedBucketOwner: input.ExpectedBucketOwner } : {}),
          tags: checkTags(input.Tags as Tags | undefined),
          createdAt: ts,
          updatedAt: ts,
        };
        await gd.store.putSet(rec);
        st.sets.set(rec.id, rec);
        gd.recompileLists(st);
        return { [k.idName]: rec.id };
      }, { readOnly: false }),
      [names.get]: op((input, ctx) => {
        const s = find(det(input, ctx), String(input[k.idName]));
        const out: Json = { Name: s.name, Format: s.format, Location: s.location, Status: s.status, Tags: s.tags };
        if (s.expectedBucketOwner) out.ExpectedBucketOwner = s.expectedBucketOwner;
        if (kind === 'threatentityset' || kind === 'trustedentityset') {
          out.CreatedAt = new Date(s.createdAt);
          out.UpdatedAt = new Date(s.updatedAt);
          if (s.errorDetails) out.ErrorDetails = s.errorDetails;
        }
        return out;
      }),
      [names.update]: op(async (input, ctx) => {
        const st = det(input, ctx);
        const s = find(st, String(input[k.idName]));
        const location = typeof input.Location === 'string' ? input.Location : s.location;
        const activate = typeof input.Activate === 'boolean' ? input.Activate : s.status !== 'INACTIVE';
        if (activate) check(s.format, location);
        if (typeof input.Name === 'string') s.name = input.Name;
        s.location = location;
        s.status = activate ? 'ACTIVE' : 'INACTIVE';
        delete s.errorDetails;
        if (typeof input.ExpectedBucketOwner === 'string') s.expectedBucketOwner = input.ExpectedBucketOwner;
        s.updatedAt = now().toISOString();
        await gd.store.putSet(s);
        gd.recompileLists(st);
        return {};
      }),
      [names.del]: op(async (input, ctx) => {
        const st = det(input, ctx);
        const s = find(st, String(input[k.idName]));
        await gd.store.deleteSet(s);
        st.sets.delete(s.id);
        gd.recompileLists(st);
        return {};
      }),
      [names.list]: op((input, ctx) => {
        const st = det(input, ctx);
        const p = page(gd.setsOf(st, kind).map((s) => s.id), input.MaxResults as number | undefined, input.NextToken as string | undefined);
        return { [names.listKey]: p.items, ...(p.next ? { NextToken: p.next } : {}) };
      }),
    };
  };

  const findingsOf = (st: DetectorState, criteria: FindingCriteria | undefined): Finding[] => {
    const pred = compileCriteria(criteria);
    const out: Finding[] = [];
    for (const f of st.findings.values()) if (pred(f)) out.push(f);
    return out;
  };

  const filterOut = (f: FilterRecord): Json => ({
    Name: f.name,
    Action: f.action,
    Rank: f.rank,
    FindingCriteria: f.criteria,
    Tags: f.tags,
    ...(f.description !== undefined ? { Description: f.description } : {}),
  });

  const checkCriteria = (c: FindingCriteria | undefined): FindingCriteria => {
    if (!c?.Criterion || Object.keys(c.Criterion).length === 0) throw badRequest('The request is rejected because the FindingCriteria must contain at least one criterion.');
    compileCriteria(c);
    return c;
  };

  /** ARN → tags holder. */
  const tagTarget = (arn: string, ctx: RequestContext): { tags: Tags; save: () => Promise<void> } => {
    const m = /^arn:aws[a-z-]*:guardduty:([^:]*):(\d{12}):detector\/([0-9a-z]{32})(?:\/(filter|ipset|threatintelset|threatentityset|trustedentityset|publishingDestination)\/(.+))?$/.exec(arn);
    if (!m || m[1] !== ctx.region || m[2] !== ctx.accountId) throw badRequest('The request is rejected because the resource ARN is not valid.');
    const st = gd.detector(m[3] as string, ctx.accountId, ctx.region);
    const kind = m[4];
    const id = m[5] as string;
    if (!kind) return { tags: st.rec.tags, save: () => gd.saveDetector(st) };
    if (kind === 'filter') {
      const f = st.filters.get(id);
      if (!f) throw notFound();
      return { tags: f.tags, save: () => gd.store.putFilter(f) };
    }
    if (kind === 'publishingDestination') {
      const d = st.destinations.get(id);
      if (!d) throw notFound();
      return { tags: d.tags, save: () => gd.store.putDestination(d) };
    }
    const s = st.sets.get(id);
    if (!s || s.kind !== kind) throw notFound();
    return { tags: s.tags, save: () => gd.store.putSet(s) };
  };

  const destOut = (d: DestinationRecord): Json => ({
    DestinationId: d.id,
    DestinationType: d.type,
    Status: d.status,
    PublishingFailureStartTimestamp: d.failureStart ?? 0,
    DestinationProperties: { DestinationArn: d.destinationArn, ...(d.kmsKeyArn ? { KmsKeyArn: d.kmsKeyArn } : {}) },
    Tags: d.tags,
  });

  const checkDestination = (arn: string | undefined): void => {
    const dir = arn ? destinationDir(arn, gd.opts.bucketsRoot) : undefined;
    if (!dir) throw badRequest('The request is rejected because the destinationArn is not a valid S3 bucket ARN or local directory.');
    try {
      mkdirSync(dir, { recursive: true });
    } catch {
      throw badRequest(`The request is rejected because the destination ${arn} cannot be written.`);
    }
  };

  const operations: Record<string, OperationHandler<Json, Json>> = {
    // ---- detectors ----
    CreateDetector: op(async (input, ctx) => {
      if (gd.detectorsOf(ctx.accountId, ctx.region).length >= GUARDDUTY_LIMITS.detectorsPerRegion) {
        throw badRequest('The request is rejected because a detector already exists for the current account.');
      }
      const ts = now().toISOString();
      const features: Record<string, 'ENABLED' | 'DISABLED'> = {};
      for (const f of (input.Features as { Name?: string; Status?: 'ENABLED' | 'DISABLED' }[] | undefined) ?? []) {
        if (!f.Name || !FEATURES.has(f.Name)) throw badRequest();
        features[f.Name] = f.Status ?? 'ENABLED';
      }
      const rec: DetectorRecord = {
        id: newId(),
        accountId: ctx.accountId,
        region: ctx.region,
        status: input.Enable === true ? 'ENABLED' : 'DISABLED',
        findingPublishingFrequency: (input.FindingPublishingFrequency as DetectorRecord['findingPublishingFrequency'] | undefined) ?? 'SIX_HOURS',
        createdAt: ts,
        updatedAt: ts,
        features,
        tags: checkTags(input.Tags as Tags | undefined),
      };
      await gd.addDetector(rec);
      ctx.addResource(detArn(ctx, rec.id), 'AWS::GuardDuty::Detector');
      return { DetectorId: rec.id };
    }, { resources: () => ['*'] }),
    GetDetector: op((input, ctx) => {
      const d = det(input, ctx).rec;
      const on = d.status === 'ENABLED' ? 'ENABLED' : 'DISABLED';
      return {
        CreatedAt: d.createdAt,
        UpdatedAt: d.updatedAt,
        FindingPublishingFrequency: d.findingPublishingFrequency,
        ServiceRole: `arn:aws:iam::${ctx.accountId}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
        Status: d.status,
        Tags: d.tags,
        DataSources: { CloudTrail: { Status: on }, DNSLogs: { Status: on }, FlowLogs: { Status: on }, S3Logs: { Status: d.features.S3_DATA_EVENTS ?? 'DISABLED' } },
        Features: [
          { Name: 'CLOUD_TRAIL', Status: on, UpdatedAt: new Date(d.updatedAt) },
          { Name: 'DNS_LOGS', Status: on, UpdatedAt: new Date(d.updatedAt) },
          { Name: 'FLOW_LOGS', Status: on, UpdatedAt: new Date(d.updatedAt) },
          ...Object.entries(d.features).map(([Name, Status]) => ({ Name, Status, UpdatedAt: new Date(d.updatedAt) })),
        ],
      };
    }),
    UpdateDetector: op(async (input, ctx) => {
      const st = det(input, ctx);
      if (typeof input.Enable === 'boolean') st.rec.status = input.Enable ? 'ENABLED' : 'DISABLED';
      if (typeof input.FindingPublishingFrequency === 'string') st.rec.findingPublishingFrequency = input.FindingPublishingFrequency as DetectorRecord['findingPublishingFrequency'];
      for (const f of (input.Features as { Name?: string; Status?: 'ENABLED' | 'DISABLED' }[] | undefined) ?? []) {
        if (!f.Name || !FEATURES.has(f.Name)) throw badRequest();
        st.rec.features[f.Name] = f.Status ?? 'ENABLED';
      }
      st.rec.updatedAt = now().toISOString();
      await gd.saveDetector(st);
      return {};
    }),
    DeleteDetector: op(async (input, ctx) => {
      await gd.deleteDetector(det(input, ctx));
      return {};
    }),
    ListDetectors: op((input, ctx) => {
      const p = page(gd.detectorsOf(ctx.accountId, ctx.region).map((d) => d.rec.id), input.MaxResults as number | undefined, input.NextToken as string | undefined);
      return { DetectorIds: p.items, ...(p.next ? { NextToken: p.next } : {}) };
    }, { resources: () => ['*'] }),

    // ---- findings ----
    ListFindings: op((input, ctx) => {
      const st = det(input, ctx);
      const list = sortFindings(findingsOf(st, input.FindingCriteria as FindingCriteria | undefined), input.SortCriteria as SortCriteria | undefined);
      const p = page(list, input.MaxResults as number | undefined, input.NextToken as string | undefined);
      return { FindingIds: p.items.map((f) => f.id), ...(p.next ? { NextToken: p.next } : {}) };
    }),
    GetFindings: op((input, ctx) => {
      const st = det(input, ctx);
      const ids = (input.FindingIds as string[] | undefined) ?? [];
      const found: Finding[] = [];
      for (const id of ids) {
        const f = st.findings.get(id);
        if (f) found.push(f);
      }
      if (input.SortCriteria) sortFindings(found, input.SortCriteria as SortCriteria);
      return { Findings: found.map((f) => fromWire(model, 'Finding', f)) };
    }),
    GetFindingsStatistics: op((input, ctx) => {
      const st = det(input, ctx);
      const types = (input.FindingStatisticTypes as string[] | undefined) ?? [];
      const groupBy = input.GroupBy as string | undefined;
      if (types.length === 0 && !groupBy) throw badRequest('The request is rejected because either FindingStatisticTypes or GroupBy must be specified.');
      const list = findingsOf(st, input.FindingCriteria as FindingCriteria | undefined);
      const stats: Json = {};
      if (types.includes('COUNT_BY_SEVERITY')) {
        const counts: Record<string, number> = {};
        for (const f of list) counts[severityKey(f.severity)] = (counts[severityKey(f.severity)] ?? 0) + 1;
        stats.CountBySeverity = counts;
      }
      let next: string | undefined;
      if (groupBy) {
        const groups = new Map<string, { n: number; last: string; sev: number; f: Finding }>();
        const keyOf = (f: Finding): string => {
          switch (groupBy) {
            case 'ACCOUNT':
              return f.accountId;
            case 'DATE':
              return f.updatedAt.slice(0, 10);
            case 'FINDING_TYPE':
              return f.type;
            case 'RESOURCE':
              return `${f.accountId}\0${resourceIdOf(f)}\0${String(f.resource.resourceType ?? '')}`;
            default:
              return severityKey(f.severity);
          }
        };
        for (const f of list) {
          const k = keyOf(f);
          const g = groups.get(k);
          if (!g) groups.set(k, { n: 1, last: f.updatedAt, sev: f.severity, f });
          else {
            g.n++;
            if (f.updatedAt > g.last) g.last = f.updatedAt;
            if (f.severity > g.sev) g.sev = f.severity;
          }
        }
        const desc = (input.OrderBy ?? 'DESC') === 'DESC';
        const sorted = [...groups.entries()].sort((a, b) => (desc ? b[1].n - a[1].n : a[1].n - b[1].n) || (a[0] < b[0] ? -1 : 1));
        const p = page(sorted, input.MaxResults as number | undefined, undefined, 25);
        next = p.next;
        const rows = p.items.map(([k, g]) => {
          const base = { LastGeneratedAt: new Date(g.last), TotalFindings: g.n };
          switch (groupBy) {
            case 'ACCOUNT':
              return { AccountId: k, ...base };
            case 'DATE':
              return { Date: new Date(`${k}T00:00:00Z`), Severity: g.sev, ...base };
            case 'FINDING_TYPE':
              return { FindingType: k, ...base };
            case 'RESOURCE':
              return { AccountId: g.f.accountId, ResourceId: resourceIdOf(g.f), ResourceType: String(g.f.resource.resourceType ?? ''), ...base };
            default:
              return { Severity: Number(k), ...base };
          }
        });
        const key = { ACCOUNT: 'GroupedByAccount', DATE: 'GroupedByDate', FINDING_TYPE: 'GroupedByFindingType', RESOURCE: 'GroupedByResource', SEVERITY: 'GroupedBySeverity' }[groupBy];
        if (key) stats[key] = rows;
      }
      return { FindingStatistics: stats, ...(next ? { NextToken: next } : {}) };
    }),
    ArchiveFindings: op((input, ctx) => {
      const st = det(input, ctx);
      for (const id of (input.FindingIds as string[] | undefined) ?? []) {
        const f = st.findings.get(id);
        if (f && !f.service.archived) {
          f.service.archived = true;
          gd.touch(st, f);
        }
      }
      return {};
    }),
    UnarchiveFindings: op((input, ctx) => {
      const st = det(input, ctx);
      for (const id of (input.FindingIds as string[] | undefined) ?? []) {
        const f = st.findings.get(id);
        if (f && f.service.archived) {
          f.service.archived = false;
          gd.touch(st, f);
        }
      }
      return {};
    }),
    UpdateFindingsFeedback: op((input, ctx) => {
      const st = det(input, ctx);
      for (const id of (input.FindingIds as string[] | undefined) ?? []) {
        const f = st.findings.get(id);
        if (f) {
          f.service.userFeedback = String(input.Feedback);
          gd.touch(st, f);
        }
      }
      return {};
    }),
    CreateSampleFindings: op((input, ctx) => {
      const st = det(input, ctx);
      const known = gd.opts.knownTypes?.() ?? [];
      let types = (input.FindingTypes as string[] | undefined) ?? [];
      if (types.length === 0) types = [...known];
      for (const t of types) if (known.length > 0 && !known.includes(t)) throw badRequest(`The request is rejected because the finding type ${t} is not valid.`);
      for (const t of types) gd.addFinding(st, gd.sampleFinding(st, t));
      return {};
    }),

    // ---- filters ----
    CreateFilter: op(async (input, ctx) => {
      const st = det(input, ctx);
      const name = String(input.Name);
      if (!FILTER_NAME.test(name)) throw badRequest('The request is rejected because the filter name is not valid.');
      if (st.filters.has(name)) throw badRequest('The request is rejected because a filter with the same name already exists.');
      if (st.filters.size >= GUARDDUTY_LIMITS.filtersPerDetector) throw badRequest('The request is rejected because the current account cannot create more than 100 filters.');
      const rec: FilterRecord = {
        detectorId: st.rec.id,
        name,
        action: (input.Action as 'NOOP' | 'ARCHIVE' | undefined) ?? 'NOOP',
        rank: (input.Rank as number | undefined) ?? st.filters.size + 1,
        ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
        criteria: checkCriteria(input.FindingCriteria as FindingCriteria | undefined),
        tags: checkTags(input.Tags as Tags | undefined),
        createdAt: now().toISOString(),
      };
      await gd.store.putFilter(rec);
      st.filters.set(name, rec);
      st.recompileFilters();
      return { Name: name };
    }, { readOnly: false }),
    GetFilter: op((input, ctx) => {
      const f = det(input, ctx).filters.get(String(input.FilterName));
      if (!f) throw notFound();
      return filterOut(f);
    }),
    UpdateFilter: op(async (input, ctx) => {
      const st = det(input, ctx);
      const f = st.filters.get(String(input.FilterName));
      if (!f) throw notFound();
      if (input.FindingCriteria !== undefined) f.criteria = checkCriteria(input.FindingCriteria as FindingCriteria);
      if (typeof input.Action === 'string') f.action = input.Action as 'NOOP' | 'ARCHIVE';
      if (typeof input.Rank === 'number') f.rank = input.Rank;
      if (typeof input.Description === 'string') f.description = input.Description;
      await gd.store.putFilter(f);
      st.recompileFilters();
      return { Name: f.name };
    }),
    DeleteFilter: op(async (input, ctx) => {
      const st = det(input, ctx);
      const name = String(input.FilterName);
      if (!st.filters.has(name)) throw notFound();
      await gd.store.deleteFilter(st.rec.id, name);
      st.filters.delete(name);
      st.recompileFilters();
      return {};
    }),
    ListFilters: op((input, ctx) => {
      const st = det(input, ctx);
      const names = [...st.filters.values()].sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : 1)).map((f) => f.name);
      const p = page(names, input.MaxResults as number | undefined, input.NextToken as string | undefined);
      return { FilterNames: p.items, ...(p.next ? { NextToken: p.next } : {}) };
    }),

    // ---- lists ----
    ...setOps('ipset', { create: 'CreateIPSet', get: 'GetIPSet', update: 'UpdateIPSet', del: 'DeleteIPSet', list: 'ListIPSets', listKey: 'IpSetIds' }),
    ...setOps('threatintelset', { create: 'CreateThreatIntelSet', get: 'GetThreatIntelSet', update: 'UpdateThreatIntelSet', del: 'DeleteThreatIntelSet', list: 'ListThreatIntelSets', listKey: 'ThreatIntelSetIds' }),
    ...setOps('threatentityset', { create: 'CreateThreatEntitySet', get: 'GetThreatEntitySet', update: 'UpdateThreatEntitySet', del: 'DeleteThreatEntitySet', list: 'ListThreatEntitySets', listKey: 'ThreatEntitySetIds' }),
    ...setOps('trustedentityset', { create: 'CreateTrustedEntitySet', get: 'GetTrustedEntitySet', update: 'UpdateTrustedEntitySet', del: 'DeleteTrustedEntitySet', list: 'ListTrustedEntitySets', listKey: 'TrustedEntitySetIds' }),

    // ---- publishing destinations ----
    CreatePublishingDestination: op(async (input, ctx) => {
      const st = det(input, ctx);
      if (st.destinations.size >= GUARDDUTY_LIMITS.publishingDestinations) throw badRequest('The request is rejected because the current account cannot create more than 1 publishing destinations.');
      const props = (input.DestinationProperties as { DestinationArn?: string; KmsKeyArn?: string } | undefined) ?? {};
      checkDestination(props.DestinationArn);
      const rec: DestinationRecord = {
        detectorId: st.rec.id,
        id: newId(),
        type: 'S3',
        destinationArn: props.DestinationArn as string,
        ...(props.KmsKeyArn ? { kmsKeyArn: props.KmsKeyArn } : {}),
        status: 'PUBLISHING',
        tags: checkTags(input.Tags as Tags | undefined),
        exportedUpTo: '',
      };
      await gd.store.putDestination(rec);
      st.destinations.set(rec.id, rec);
      return { DestinationId: rec.id };
    }, { readOnly: false }),
    DescribePublishingDestination: op((input, ctx) => {
      const d = det(input, ctx).destinations.get(String(input.DestinationId));
      if (!d) throw notFound();
      return destOut(d);
    }),
    UpdatePublishingDestination: op(async (input, ctx) => {
      const st = det(input, ctx);
      const d = st.destinations.get(String(input.DestinationId));
      if (!d) throw notFound();
      const props = input.DestinationProperties as { DestinationArn?: string; KmsKeyArn?: string } | undefined;
      if (props?.DestinationArn) {
        checkDestination(props.DestinationArn);
        d.destinationArn = props.DestinationArn;
        d.status = 'PUBLISHING';
        delete d.failureStart;
      }
      if (props?.KmsKeyArn) d.kmsKeyArn = props.KmsKeyArn;
      await gd.store.putDestination(d);
      return {};
    }),
    DeletePublishingDestination: op(async (input, ctx) => {
      const st = det(input, ctx);
      const id = String(input.DestinationId);
      if (!st.destinations.has(id)) throw notFound();
      await gd.store.deleteDestination(st.rec.id, id);
      st.destinations.delete(id);
      return {};
    }),
    ListPublishingDestinations: op((input, ctx) => {
      const st = det(input, ctx);
      const p = page([...st.destinations.values()], input.MaxResults as number | undefined, input.NextToken as string | undefined);
      return { Destinations: p.items.map((d) => ({ DestinationId: d.id, DestinationType: d.type, Status: d.status })), ...(p.next ? { NextToken: p.next } : {}) };
    }),

    // ---- tags ----
    TagResource: op(async (input, ctx) => {
      const t = tagTarget(String(input.ResourceArn), ctx);
      const add = checkTags(input.Tags as Tags | undefined);
      const merged = { ...t.tags, ...add };
      checkTags(merged);
      Object.assign(t.tags, add);
      await t.save();
      return {};
    }, { resources: (input) => [String(input.ResourceArn)] }),
    UntagResource: op(async (input, ctx) => {
      const t = tagTarget(String(input.ResourceArn), ctx);
      for (const k of (input.TagKeys as string[] | undefined) ?? []) delete t.tags[k];
      await t.save();
      return {};
    }, { resources: (input) => [String(input.ResourceArn)] }),
    ListTagsForResource: op((input, ctx) => ({ Tags: { ...tagTarget(String(input.ResourceArn), ctx).tags } }), { resources: (input) => [String(input.ResourceArn)] }),
  };

  return {
    name: 'guardduty',
    signingName: 'guardduty',
    eventSource: 'guardduty.amazonaws.com',
    model,
    operations,
    unimplementedError: { code: 'BadRequestException', message: 'The request is rejected because this operation is not supported by Bulwark.' },
  };
}
