/**
 * The CloudTrail API (JSON protocol, model src/models/cloudtrail.json): LookupEvents over the event
 * history; trails (create/get/describe/update/delete/list, start/stop logging, status); basic
 * event selectors; ListPublicKeys for digest validation; tags. Other model operations answer
 * UnsupportedOperationException.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { awsError } from '../errors/index.js';
import type { OperationHandler, RequestContext, ServiceDefinition, ServiceModel } from '../http/service.js';
import cloudTrailModel from '../models/cloudtrail.json' with { type: 'json' };
import type { TrailDelivery } from './delivery.js';
import type { EventStore } from './event-store.js';
import type { DigestKeyStore } from './keys.js';
import { lookupEvents, type LookupEventsInput } from './lookup.js';
import { DEFAULT_EVENT_SELECTORS, type EventSelector, type TrailConfig, type TrailStore, type TrailTag } from './trails.js';

const model = cloudTrailModel as unknown as ServiceModel;

/** AWS's default quota of trails per region. */
export const MAX_TRAILS = 5;
/** Tags per trail. */
export const MAX_TAGS = 50;
/** Basic event selectors per trail. */
export const MAX_EVENT_SELECTORS = 5;
/** The management event sources AWS lets a selector exclude. */
const EXCLUDABLE_SOURCES = new Set(['kms.amazonaws.com', 'rdsdata.amazonaws.com']);
const TRAIL_RESOURCE_TYPE = 'AWS::CloudTrail::Trail';

const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9]))*$/;
const IP_LIKE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const TRAIL_ARN = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):trail\/(.+)$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** True when `name` follows CloudTrail's trail name rules. */
export function isValidTrailName(name: string): boolean {
  return name.length >= 3 && name.length <= 128 && TRAIL_NAME.test(name) && !IP_LIKE.test(name);
}

/** Dependencies of {@link cloudTrailService}. */
export interface CloudTrailServiceDeps {
  readonly accountId: string;
  readonly region: string;
  readonly bucketsRoot: string;
  readonly events: EventStore;
  readonly trails: TrailStore;
  readonly delivery: TrailDelivery;
  readonly keys: DigestKeyStore;
}

interface TrailFieldsIn {
  Name: string;
  S3BucketName?: string;
  S3KeyPrefix?: string;
  SnsTopicName?: string;
  IncludeGlobalServiceEvents?: boolean;
  IsMultiRegionTrail?: boolean;
  EnableLogFileValidation?: boolean;
  CloudWatchLogsLogGroupArn?: string;
  CloudWatchLogsRoleArn?: string;
  KmsKeyId?: string;
  IsOrganizationTrail?: boolean;
  TagsList?: TrailTag[];
}

/** The CloudTrail service definition. */
export function cloudTrailService(deps: CloudTrailServiceDeps): ServiceDefinition {
  const { accountId, region, trails } = deps;
  const arnOf = (name: string): string => `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;

  /** The trail name a Name/TrailName/ResourceId parameter designates (name or ARN). */
  const nameOf = (ref: string): string => {
    if (ref.startsWith('arn:')) {
      const m = TRAIL_ARN.exec(ref);
      if (!m) throw awsError('CloudTrailARNInvalidException', `Invalid trail ARN: ${ref.slice(0, 256)}`);
      if (m[1] !== region || m[2] !== accountId) throw awsError('TrailNotFoundException', `Unknown trail: ${ref.slice(0, 256)} for the user: ${accountId}`);
      ref = m[3] as string;
    }
    if (!isValidTrailName(ref)) {
      throw awsError('InvalidTrailNameException', 'Trail name must start with a letter or number, end with a letter or number, be 3 to 128 characters of letters, numbers, periods, underscores and dashes, have no adjacent punctuation, and not look like an IP address.');
    }
    return ref;
  };
  const find = (ref: string): TrailConfig => {
    const name = nameOf(ref);
    const t = trails.get(name);
    if (!t) throw awsError('TrailNotFoundException', `Unknown trail: ${arnOf(name)} for the user: ${accountId}`);
    return t;
  };
  /** ARN for authorization, or '*' when the reference cannot be parsed (the handler reports why). */
  const arnForAuthz = (ref: unknown): string[] => {
    if (typeof ref !== 'string') return ['*'];
    try {
      return [arnOf(nameOf(ref))];
    } catch {
      return ['*'];
    }
  };
  const touch = (ctx: RequestContext, t: { name: string }): void => ctx.addResource(arnOf(t.name), TRAIL_RESOURCE_TYPE);

  const trailOut = (t: TrailConfig): Record<string, unknown> => ({
    Name: t.name,
    S3BucketName: t.s3BucketName,
    ...(t.s3KeyPrefix !== undefined ? { S3KeyPrefix: t.s3KeyPrefix } : {}),
    IncludeGlobalServiceEvents: t.includeGlobalServiceEvents,
    IsMultiRegionTrail: t.isMultiRegionTrail,
    HomeRegion: region,
    TrailARN: arnOf(t.name),
    LogFileValidationEnabled: t.logFileValidationEnabled,
    HasCustomEventSelectors: t.hasCustomEventSelectors,
    HasInsightSelectors: false,
    IsOrganizationTrail: false,
  });
  const writeOut = (t: TrailConfig): Record<string, unknown> => {
    const { HomeRegion: _h, HasCustomEventSelectors: _c, HasInsightSelectors: _i, ...rest } = trailOut(t);
    return rest;
  };

  const checkUnsupported = (i: Partial<TrailFieldsIn>): void => {
    const unsupported: string[] = [];
    if (i.KmsKeyId) unsupported.push('KmsKeyId (SSE-KMS of log files)');
    if (i.SnsTopicName) unsupported.push('SnsTopicName');
    if (i.CloudWatchLogsLogGroupArn || i.CloudWatchLogsRoleArn) unsupported.push('CloudWatch Logs delivery');
    if (i.IsOrganizationTrail) unsupported.push('organization trails');
    if (unsupported.length) throw awsError('UnsupportedOperationException', `Bulwark does not support ${unsupported.join(', ')}.`);
  };
  const checkBucket = async (bucket: string): Promise<void> => {
    if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw awsError('InvalidS3BucketNameException', `Bucket name is not valid: ${bucket.slice(0, 64)}`);
    const st = await stat(join(deps.bucketsRoot, bucket)).catch(() => undefined);
    if (!st?.isDirectory()) throw awsError('S3BucketDoesNotExistException', `S3 bucket ${bucket} does not exist.`);
  };
  const checkPrefix = (prefix: string): void => {
    const segs = prefix.split('/');
    if (prefix.length > 200 || prefix.startsWith('/') || segs.some((s) => s === '.' || s === '..') || /[\0\\]/.test(prefix)) {
      throw awsError('InvalidS3PrefixException', 'The S3 key prefix is not valid.');
    }
  };
  const checkTags = (tags: readonly TrailTag[]): void => {
    const seen = new Set<string>();
    for (const t of tags) {
      if (typeof t.Key !== 'string' || t.Key.length < 1 || t.Key.length > 128 || t.Key.toLowerCase().startsWith('aws:')) {
        throw awsError('InvalidTagParameterException', 'Tag keys must be 1 to 128 characters and must not start with aws:.');
      }
      if (t.Value !== undefined && (typeof t.Value !== 'string' || t.Value.length > 256)) throw awsError('InvalidTagParameterException', 'Tag values must be at most 256 characters.');
      if (seen.has(t.Key)) throw awsError('InvalidTagParameterException', `Duplicate tag key ${t.Key}.`);
      seen.add(t.Key);
    }
  };
  const cleanTags = (tags: readonly TrailTag[]): TrailTag[] => tags.map((t) => (t.Value !== undefined ? { Key: t.Key, Value: t.Value } : { Key: t.Key }));

  const createTrail: OperationHandler<TrailFieldsIn> = {
    resources: (i) => arnForAuthz(i.Name),
    handler: async (i, ctx) => {
      const name = nameOf(i.Name);
      if (trails.get(name)) throw awsError('TrailAlreadyExistsException', `Trail ${name} already exists for customer: ${accountId}`);
      checkUnsupported(i);
      const bucket = i.S3BucketName ?? '';
      await checkBucket(bucket);
      if (i.S3KeyPrefix !== undefined) checkPrefix(i.S3KeyPrefix);
      const tags = i.TagsList ?? [];
      checkTags(tags);
      if (tags.length > MAX_TAGS) throw awsError('TagsLimitExceededException', `A trail can have at most ${MAX_TAGS} tags.`);
      if (trails.list().length >= MAX_TRAILS) {
        throw awsError('MaximumNumberOfTrailsExceededException', `User: ${accountId} already has ${MAX_TRAILS} trails in ${region}.`);
      }
      const t: TrailConfig = {
        name,
        s3BucketName: bucket,
        ...(i.S3KeyPrefix ? { s3KeyPrefix: i.S3KeyPrefix } : {}),
        includeGlobalServiceEvents: i.IncludeGlobalServiceEvents ?? true,
        isMultiRegionTrail: i.IsMultiRegionTrail ?? false,
        // Deviation: validation defaults to on, since proving integrity is the point of the trail.
        logFileValidationEnabled: i.EnableLogFileValidation ?? true,
        isLogging: false,
        eventSelectors: DEFAULT_EVENT_SELECTORS,
        hasCustomEventSelectors: false,
        tags: cleanTags(tags),
        createdAt: ctx.now.getTime(),
      };
      await trails.put(t);
      touch(ctx, t);
      return writeOut(t);
    },
  };

  const updateTrail: OperationHandler<TrailFieldsIn> = {
    resources: (i) => arnForAuthz(i.Name),
    handler: async (i, ctx) => {
      const t = find(i.Name);
      touch(ctx, t);
      checkUnsupported(i);
      if (i.S3BucketName !== undefined) await checkBucket(i.S3BucketName);
      if (i.S3KeyPrefix !== undefined && i.S3KeyPrefix !== '') checkPrefix(i.S3KeyPrefix);
      const { s3KeyPrefix: _p, ...base } = t;
      const prefix = i.S3KeyPrefix === undefined ? t.s3KeyPrefix : i.S3KeyPrefix || undefined;
      const next: TrailConfig = {
        ...base,
        ...(prefix !== undefined ? { s3KeyPrefix: prefix } : {}),
        s3BucketName: i.S3BucketName ?? t.s3BucketName,
        includeGlobalServiceEvents: i.IncludeGlobalServiceEvents ?? t.includeGlobalServiceEvents,
        isMultiRegionTrail: i.IsMultiRegionTrail ?? t.isMultiRegionTrail,
        logFileValidationEnabled: i.EnableLogFileValidation ?? t.logFileValidationEnabled,
      };
      await trails.put(next);
      return writeOut(next);
    },
  };

  const named = (fn: (t: TrailConfig, ctx: RequestContext) => Promise<Record<string, unknown>> | Record<string, unknown>): OperationHandler<{ Name: string }> => ({
    resources: (i) => arnForAuthz(i.Name),
    handler: (i, ctx) => {
      const t = find(i.Name);
      touch(ctx, t);
      return fn(t, ctx);
    },
  });

  const ms = (v: number | undefined): Date | undefined => (v === undefined ? undefined : new Date(v));
  const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));

  const operations: ServiceDefinition['operations'] = {
    LookupEvents: {
      handler: (i: LookupEventsInput, ctx: RequestContext) => lookupEvents(deps.events, i, ctx.now),
    },
    CreateTrail: createTrail,
    UpdateTrail: updateTrail,
    GetTrail: named((t) => ({ Trail: trailOut(t) })),
    DescribeTrails: {
      handler: (i: { trailNameList?: string[] }) => {
        const list = i.trailNameList ?? [];
        if (list.length === 0) return { trailList: trails.list().map(trailOut) };
        const out: Record<string, unknown>[] = [];
        for (const ref of list) {
          const t = trails.get(nameOf(ref));
          if (t) out.push(trailOut(t));
        }
        return { trailList: out };
      },
    },
    ListTrails: {
      handler: (i: { NextToken?: string }) => {
        if (i.NextToken !== undefined) throw awsError('InvalidTokenException', 'Invalid token.');
        return { Trails: trails.list().map((t) => ({ TrailARN: arnOf(t.name), Name: t.name, HomeRegion: region })) };
      },
    },
    DeleteTrail: named(async (t) => {
      await trails.delete(t.name);
      await deps.delivery.forget(t.name);
      return {};
    }),
    StartLogging: named(async (t, ctx) => {
      if (!t.isLogging) await trails.put({ ...t, isLogging: true, startLoggingTime: ctx.now.getTime() });
      return {};
    }),
    StopLogging: named(async (t, ctx) => {
      // The stop time is this call's time, so the StopLogging call itself is still delivered.
      if (t.isLogging) await trails.put({ ...t, isLogging: false, stopLoggingTime: ctx.now.getTime() });
      return {};
    }),
    GetTrailStatus: named(async (t) => {
      const s = await deps.delivery.state(t.name);
      const iso = (v: number | undefined): string | undefined => (v === undefined ? undefined : new Date(v).toISOString());
      return {
        IsLogging: t.isLogging,
        ...opt('LatestDeliveryTime', ms(s.latestDeliveryTime)),
        ...opt('LatestDigestDeliveryTime', ms(s.latestDigestDeliveryTime)),
        ...opt('StartLoggingTime', ms(t.startLoggingTime)),
        ...opt('StopLoggingTime', ms(t.stopLoggingTime)),
        ...opt('TimeLoggingStarted', iso(t.startLoggingTime)),
        ...opt('TimeLoggingStopped', iso(t.stopLoggingTime)),
        ...opt('LatestDeliveryAttemptTime', iso(s.latestDeliveryAttemptTime)),
        ...opt('LatestDeliveryAttemptSucceeded', iso(s.latestDeliveryTime)),
        ...opt('LatestDeliveryError', s.latestDeliveryError),
        ...opt('LatestDigestDeliveryError', s.latestDigestDeliveryError),
      };
    }),
    PutEventSelectors: {
      resources: (i: { TrailName?: string }) => arnForAuthz(i.TrailName),
      handler: async (i: { TrailName: string; EventSelectors?: EventSelector[]; AdvancedEventSelectors?: unknown[] }, ctx: RequestContext) => {
        const t = find(i.TrailName);
        touch(ctx, t);
        if (i.EventSelectors !== undefined && i.AdvancedEventSelectors !== undefined) {
          throw awsError('InvalidEventSelectorsException', 'You cannot specify both EventSelectors and AdvancedEventSelectors.');
        }
        if (i.AdvancedEventSelectors !== undefined) throw awsError('UnsupportedOperationException', 'Bulwark supports basic event selectors only, not AdvancedEventSelectors.');
        const list = i.EventSelectors;
        if (list === undefined || list.length === 0 || list.length > MAX_EVENT_SELECTORS) {
          throw awsError('InvalidEventSelectorsException', `Specify 1 to ${MAX_EVENT_SELECTORS} event selectors.`);
        }
        const selectors: EventSelector[] = list.map((s) => {
          const excl = s.ExcludeManagementEventSources ?? [];
          for (const src of excl) {
            if (!EXCLUDABLE_SOURCES.has(src)) throw awsError('InvalidEventSelectorsException', `Management event source ${String(src).slice(0, 64)} cannot be excluded.`);
          }
          return {
            ReadWriteType: s.ReadWriteType ?? 'All',
            IncludeManagementEvents: s.IncludeManagementEvents ?? true,
            DataResources: (s.DataResources ?? []).map((d) => ({ ...(d.Type !== undefined ? { Type: d.Type } : {}), Values: [...(d.Values ?? [])] })),
            ExcludeManagementEventSources: [...excl],
          };
        });
        await trails.put({ ...t, eventSelectors: selectors, hasCustomEventSelectors: true });
        return { TrailARN: arnOf(t.name), EventSelectors: selectors };
      },
    },
    GetEventSelectors: {
      resources: (i: { TrailName?: string }) => arnForAuthz(i.TrailName),
      handler: (i: { TrailName: string }, ctx: RequestContext) => {
        const t = find(i.TrailName);
        touch(ctx, t);
        return { TrailARN: arnOf(t.name), EventSelectors: t.eventSelectors };
      },
    },
    ListPublicKeys: {
      handler: (i: { StartTime?: Date; EndTime?: Date; NextToken?: string }, ctx: RequestContext) => {
        if (i.NextToken !== undefined) throw awsError('InvalidTokenException', 'Invalid token.');
        const now = ctx.now.getTime();
        const start = i.StartTime?.getTime() ?? (i.EndTime ? i.EndTime.getTime() : now);
        const end = i.EndTime?.getTime() ?? now;
        if (start > end) throw awsError('InvalidTimeRangeException', 'Start time must be before end time.');
        const keys = deps.keys.publicKeys().filter((k) => k.validityStart.getTime() <= end && k.validityEnd.getTime() > start);
        return {
          PublicKeyList: keys.map((k) => ({ Value: k.value, ValidityStartTime: k.validityStart, ValidityEndTime: k.validityEnd, Fingerprint: k.fingerprint })),
        };
      },
    },
    AddTags: {
      resources: (i: { ResourceId?: string }) => arnForAuthz(i.ResourceId),
      handler: async (i: { ResourceId: string; TagsList: TrailTag[] }, ctx: RequestContext) => {
        const t = findForTags(i.ResourceId);
        touch(ctx, t);
        checkTags(i.TagsList);
        const merged = new Map(t.tags.map((x) => [x.Key, x] as const));
        for (const tag of cleanTags(i.TagsList)) merged.set(tag.Key, tag);
        if (merged.size > MAX_TAGS) throw awsError('TagsLimitExceededException', `A trail can have at most ${MAX_TAGS} tags.`);
        await trails.put({ ...t, tags: [...merged.values()] });
        return {};
      },
    },
    RemoveTags: {
      resources: (i: { ResourceId?: string }) => arnForAuthz(i.ResourceId),
      handler: async (i: { ResourceId: string; TagsList: TrailTag[] }, ctx: RequestContext) => {
        const t = findForTags(i.ResourceId);
        touch(ctx, t);
        checkTags(i.TagsList);
        const drop = new Set(i.TagsList.map((x) => x.Key));
        await trails.put({ ...t, tags: t.tags.filter((x) => !drop.has(x.Key)) });
        return {};
      },
    },
    ListTags: {
      handler: (i: { ResourceIdList: string[]; NextToken?: string }) => {
        if (i.NextToken !== undefined) throw awsError('InvalidTokenException', 'Invalid token.');
        return { ResourceTagList: i.ResourceIdList.map((ref) => ({ ResourceId: arnOf(findForTags(ref).name), TagsList: findForTags(ref).tags })) };
      },
    },
  };

  /** Tagging reports a missing trail as ResourceNotFoundException, as AWS does. */
  function findForTags(ref: string): TrailConfig {
    const t = trails.get(nameOf(ref));
    if (!t) throw awsError('ResourceNotFoundException', `Resource not found: ${ref.slice(0, 256)}`);
    return t;
  }

  return {
    name: 'cloudtrail',
    signingName: 'cloudtrail',
    eventSource: 'cloudtrail.amazonaws.com',
    model,
    operations,
    unimplementedError: { code: 'UnsupportedOperationException', message: 'This operation is not supported by Bulwark.' },
  };
}
