/**
 * The IAM API (query protocol, model src/models/iam.json) over an IamStore: users, groups, roles,
 * managed and inline policies, access keys, permissions boundaries, the policy simulator and the
 * account summary. Handlers do the semantic checks; the HTTP layer validated the model's constraints.
 */
import { awsError } from '../errors/index.js';
import type { OperationHandler, RequestContext, ServiceDefinition, ServiceModel } from '../http/service.js';
import { contextFrom, evaluate } from './policy/index.js';
import type { AuthzPrincipal, CompiledPolicy, MatchedStatement } from './policy/types.js';
import iamModel from '../models/iam.json' with { type: 'json' };
import type { AccessKeyRecord, EntityKind, GroupRecord, IamStore, PolicyRecord, RoleRecord, Tag, UserRecord } from './store.js';

const model = iamModel as unknown as ServiceModel;

const RFC3986_EXTRA = /[!'()*]/g;
const pctEncode = (c: string): string => '%' + c.charCodeAt(0).toString(16).toUpperCase();

/** URL-encodes a policy document as IAM returns it (RFC 3986: only unreserved characters stay). */
export function encodePolicyDocument(doc: string): string {
  return encodeURIComponent(doc).replace(RFC3986_EXTRA, pctEncode);
}

const BOUNDARY_TYPE = 'PermissionsBoundaryPolicy';
const DEFAULT_MAX_ITEMS = 100;

interface Paged {
  Marker?: string;
  MaxItems?: number;
}

/** Slices a sorted list for Marker/MaxItems pagination; markers are opaque offsets. */
function page<T>(items: readonly T[], input: Paged): { items: T[]; IsTruncated: boolean; Marker?: string } {
  let start = 0;
  if (input.Marker !== undefined) {
    const n = Number.parseInt(Buffer.from(input.Marker, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(n) || n < 0 || n > items.length) throw awsError('ValidationError', 'Invalid Marker.');
    start = n;
  }
  const max = input.MaxItems ?? DEFAULT_MAX_ITEMS;
  const end = Math.min(items.length, start + max);
  const truncated = end < items.length;
  return {
    items: items.slice(start, end),
    IsTruncated: truncated,
    ...(truncated ? { Marker: Buffer.from(String(end), 'utf8').toString('base64url') } : {}),
  };
}

function underPath(path: string, prefix: string | undefined): boolean {
  return prefix === undefined || path.startsWith(prefix);
}

/** The IAM service definition over `store`. */
export function iamService(store: IamStore): ServiceDefinition {
  const acct = store.accountId;

  // ---- ARNs and outputs ----------------------------------------------------------------------
  const userArn = (name: string): string => {
    const u = store.getUser(name);
    return store.arn('user', u?.path ?? '/', u?.name ?? name);
  };
  const groupArn = (name: string): string => {
    const g = store.getGroup(name);
    return store.arn('group', g?.path ?? '/', g?.name ?? name);
  };
  const roleArn = (name: string): string => {
    const r = store.getRole(name);
    return store.arn('role', r?.path ?? '/', r?.name ?? name);
  };
  const boundaryOut = (arn: string | undefined): Record<string, unknown> =>
    arn === undefined ? {} : { PermissionsBoundary: { PermissionsBoundaryType: BOUNDARY_TYPE, PermissionsBoundaryArn: arn } };
  const tagsOut = (tags: readonly Tag[]): Record<string, unknown> => (tags.length ? { Tags: tags.map((t) => ({ Key: t.Key, Value: t.Value })) } : {});

  const userOut = (u: UserRecord, full: boolean): Record<string, unknown> => ({
    Path: u.path, UserName: u.name, UserId: u.id, Arn: store.arn('user', u.path, u.name), CreateDate: new Date(u.createDate),
    ...(full ? { ...boundaryOut(u.boundary), ...tagsOut(u.tags) } : {}),
  });
  const groupOut = (g: GroupRecord): Record<string, unknown> => ({
    Path: g.path, GroupName: g.name, GroupId: g.id, Arn: store.arn('group', g.path, g.name), CreateDate: new Date(g.createDate),
  });
  const roleOut = (r: RoleRecord, full: boolean): Record<string, unknown> => ({
    Path: r.path, RoleName: r.name, RoleId: r.id, Arn: store.arn('role', r.path, r.name), CreateDate: new Date(r.createDate),
    AssumeRolePolicyDocument: encodePolicyDocument(r.trustPolicy),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    MaxSessionDuration: r.maxSessionDuration,
    ...(full
      ? {
          ...boundaryOut(r.boundary), ...tagsOut(r.tags),
          RoleLastUsed: r.lastUsed ? { LastUsedDate: new Date(r.lastUsed.date), Region: r.lastUsed.region } : {},
        }
      : {}),
  });
  const policyOut = (p: PolicyRecord, full: boolean): Record<string, unknown> => ({
    PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path, DefaultVersionId: p.defaultVersion,
    AttachmentCount: store.attachmentCount(p.arn), PermissionsBoundaryUsageCount: store.boundaryCount(p.arn), IsAttachable: true,
    ...(full && p.description !== undefined ? { Description: p.description } : {}),
    CreateDate: new Date(p.createDate), UpdateDate: new Date(p.updateDate),
    ...(full ? tagsOut(p.tags) : {}),
  });
  const keyMeta = (k: AccessKeyRecord, userName: string | undefined): Record<string, unknown> => ({
    ...(userName !== undefined ? { UserName: userName } : {}), AccessKeyId: k.id, Status: k.status, CreateDate: new Date(k.createDate),
  });
  const attachedOut = (arns: readonly string[], prefix: string | undefined): Record<string, unknown>[] => {
    const out: Record<string, unknown>[] = [];
    for (const arn of arns) {
      const p = store.getPolicy(arn);
      if (p && underPath(p.path, prefix)) out.push({ PolicyName: p.name, PolicyArn: arn });
    }
    return out;
  };

  /** The user an access-key call targets: UserName, else the caller (root → 'root'). */
  const keyOwner = (userName: string | undefined, ctx: RequestContext): { id: string; name?: string; arn: string } => {
    if (userName !== undefined) {
      const u = store.mustUser(userName);
      return { id: u.id, name: u.name, arn: store.arn('user', u.path, u.name) };
    }
    const p = ctx.principal;
    if (p.type === 'Root') return { id: 'root', arn: store.rootArn };
    if (p.type === 'IAMUser') {
      const u = store.getUserById(p.principalId);
      if (!u) throw awsError('NoSuchEntity', `The user with name ${p.userName ?? ''} cannot be found.`);
      return { id: u.id, name: u.name, arn: store.arn('user', u.path, u.name) };
    }
    throw awsError('ValidationError', 'Must specify userName when calling with non-User credentials');
  };
  const callerUserArn = (userName: string | undefined, ctx: RequestContext): string => {
    if (userName !== undefined) return userArn(userName);
    return ctx.principal.type === 'AssumedRole' ? '*' : ctx.principal.arn;
  };

  // ---- handler builder ----------------------------------------------------------------------
  type Ctx = RequestContext;
  const ops: Record<string, OperationHandler> = {};
  const def = <I>(
    name: string,
    resources: ((i: I, ctx: Ctx) => readonly string[]) | undefined,
    handler: (i: I, ctx: Ctx) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void,
    extra: {
      readOnly?: boolean; hideResponse?: boolean; redact?: readonly string[];
      /** Extra condition keys (iam:PolicyARN, iam:PermissionsBoundary, aws:ResourceTag/…): authorized in the handler. */
      context?: (i: I) => Map<string, string | readonly string[]> | undefined;
    } = {},
  ): void => {
    const action = `iam:${name}`;
    const readOnly = extra.readOnly ?? /^(Get|List|Simulate)/.test(name);
    const withContext = extra.context;
    const h: OperationHandler<I, Record<string, unknown>> = {
      action,
      readOnly,
      ...(resources ? { resources } : {}),
      ...(extra.hideResponse ? { hideResponse: true } : {}),
      ...(extra.redact ? { redact: extra.redact } : {}),
      ...(withContext ? { authorization: 'handler' as const } : {}),
      handler: async (i, ctx) => {
        if (withContext) {
          const context = withContext(i);
          const targets = resources ? resources(i, ctx) : ['*'];
          for (const resource of targets) await ctx.authorize({ action, resource, ...(context && context.size ? { context } : {}) });
        }
        return (await handler(i, ctx)) ?? {};
      },
    };
    ops[name] = h as unknown as OperationHandler;
  };
  const resourceTags = (tags: readonly Tag[] | undefined, m = new Map<string, string | readonly string[]>()): Map<string, string | readonly string[]> => {
    for (const t of tags ?? []) m.set(`aws:resourcetag/${t.Key.toLowerCase()}`, t.Value);
    return m;
  };
  const userCtx = (name: string | undefined): Map<string, string | readonly string[]> | undefined =>
    name === undefined ? undefined : resourceTags(store.getUser(name)?.tags);
  const roleCtx = (name: string): Map<string, string | readonly string[]> => resourceTags(store.getRole(name)?.tags);
  const oneKey = (k: string, v: string | undefined): Map<string, string | readonly string[]> | undefined =>
    v === undefined ? undefined : new Map([[k, v]]);

  // ---- users ---------------------------------------------------------------------------------
  type UserIn = { UserName: string };
  def<{ UserName: string; Path?: string; PermissionsBoundary?: string; Tags?: Tag[] }>(
    'CreateUser',
    (i) => [store.arn('user', i.Path ?? '/', i.UserName)],
    async (i, ctx) => {
      const u = await store.createUser(i.UserName, i.Path ?? '/', i.Tags ?? [], i.PermissionsBoundary);
      ctx.addResource(store.arn('user', u.path, u.name), 'AWS::IAM::User');
      return { User: userOut(u, true) };
    },
    { context: (i) => oneKey('iam:permissionsboundary', i.PermissionsBoundary) },
  );
  def<{ UserName?: string }>(
    'GetUser',
    (i, ctx) => [callerUserArn(i.UserName, ctx)],
    (i, ctx) => {
      if (i.UserName === undefined && ctx.principal.type === 'Root') {
        return { User: { UserId: acct, Arn: store.rootArn, CreateDate: store.accountCreateDate } };
      }
      const owner = keyOwner(i.UserName, ctx);
      const u = store.getUserById(owner.id)!;
      ctx.addResource(owner.arn, 'AWS::IAM::User');
      return { User: userOut(u, true) };
    },
  );
  def<Paged & { PathPrefix?: string }>('ListUsers', (i) => [`arn:aws:iam::${acct}:user${i.PathPrefix ?? '/'}*`], (i) => {
    const p = page(store.listUsers().filter((u) => underPath(u.path, i.PathPrefix)), i);
    return { Users: p.items.map((u) => userOut(u, false)), IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });
  def<{ UserName: string; NewUserName?: string; NewPath?: string }>(
    'UpdateUser',
    (i) => [userArn(i.UserName), ...(i.NewUserName !== undefined || i.NewPath !== undefined ? [store.arn('user', i.NewPath ?? store.getUser(i.UserName)?.path ?? '/', i.NewUserName ?? i.UserName)] : [])],
    async (i, ctx) => {
      const u = await store.updateUser(i.UserName, i.NewUserName, i.NewPath);
      ctx.addResource(store.arn('user', u.path, u.name), 'AWS::IAM::User');
    },
    { context: (i) => userCtx(i.UserName) },
  );
  def<UserIn>('DeleteUser', (i) => [userArn(i.UserName)], async (i, ctx) => {
    const arn = userArn(i.UserName);
    await store.deleteUser(i.UserName);
    ctx.addResource(arn, 'AWS::IAM::User');
  }, { context: (i) => userCtx(i.UserName) });
  def<UserIn & { Tags: Tag[] }>('TagUser', (i) => [userArn(i.UserName)], async (i, ctx) => {
    await store.tagUser(i.UserName, i.Tags);
    ctx.addResource(userArn(i.UserName), 'AWS::IAM::User');
  }, { context: (i) => userCtx(i.UserName) });
  def<UserIn & { TagKeys: string[] }>('UntagUser', (i) => [userArn(i.UserName)], async (i, ctx) => {
    await store.untagUser(i.UserName, i.TagKeys);
    ctx.addResource(userArn(i.UserName), 'AWS::IAM::User');
  }, { context: (i) => userCtx(i.UserName) });
  def<UserIn & Paged>('ListUserTags', (i) => [userArn(i.UserName)], (i) => {
    const p = page(store.mustUser(i.UserName).tags, i);
    return { Tags: p.items, IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });
  def<UserIn & { PermissionsBoundary: string }>('PutUserPermissionsBoundary', (i) => [userArn(i.UserName)], async (i, ctx) => {
    await store.setUserBoundary(i.UserName, i.PermissionsBoundary);
    ctx.addResource(userArn(i.UserName), 'AWS::IAM::User');
  }, { context: (i) => resourceTags(store.getUser(i.UserName)?.tags, new Map([['iam:permissionsboundary', i.PermissionsBoundary]])) });
  def<UserIn>('DeleteUserPermissionsBoundary', (i) => [userArn(i.UserName)], async (i, ctx) => {
    const u = store.mustUser(i.UserName);
    if (u.boundary === undefined) throw awsError('NoSuchEntity', `The user with name ${i.UserName} does not have a permissions boundary.`);
    await store.setUserBoundary(i.UserName, undefined);
    ctx.addResource(userArn(i.UserName), 'AWS::IAM::User');
  }, { context: (i) => resourceTags(store.getUser(i.UserName)?.tags, new Map([['iam:permissionsboundary', store.getUser(i.UserName)?.boundary ?? '']])) });

  // ---- access keys ---------------------------------------------------------------------------
  def<{ UserName?: string }>('CreateAccessKey', (i, ctx) => [callerUserArn(i.UserName, ctx)], async (i, ctx) => {
    const owner = keyOwner(i.UserName, ctx);
    const k = await store.createAccessKey(owner.id);
    ctx.addResource(owner.arn, owner.id === 'root' ? 'AWS::IAM::Root' : 'AWS::IAM::User');
    return {
      AccessKey: {
        ...(owner.name !== undefined ? { UserName: owner.name } : {}),
        AccessKeyId: k.id, Status: k.status, SecretAccessKey: k.secret, CreateDate: new Date(k.createDate),
      },
    };
  }, { hideResponse: true });
  def<{ UserName?: string } & Paged>('ListAccessKeys', (i, ctx) => [callerUserArn(i.UserName, ctx)], (i, ctx) => {
    const owner = keyOwner(i.UserName, ctx);
    const p = page(store.listAccessKeys(owner.id), i);
    return { AccessKeyMetadata: p.items.map((k) => keyMeta(k, owner.name)), IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });
  def<{ UserName?: string; AccessKeyId: string; Status: 'Active' | 'Inactive' }>('UpdateAccessKey', (i, ctx) => [callerUserArn(i.UserName, ctx)], async (i, ctx) => {
    const owner = keyOwner(i.UserName, ctx);
    await store.updateAccessKey(owner.id, i.AccessKeyId, i.Status);
    ctx.addResource(owner.arn);
  });
  def<{ UserName?: string; AccessKeyId: string }>('DeleteAccessKey', (i, ctx) => [callerUserArn(i.UserName, ctx)], async (i, ctx) => {
    const owner = keyOwner(i.UserName, ctx);
    await store.deleteAccessKey(owner.id, i.AccessKeyId);
    ctx.addResource(owner.arn);
  });
  def<{ AccessKeyId: string }>('GetAccessKeyLastUsed', (i) => {
    const k = store.getAccessKey(i.AccessKeyId);
    if (!k) return ['*'];
    if (k.userId === 'root') return [store.rootArn];
    const u = store.getUserById(k.userId);
    return [u ? store.arn('user', u.path, u.name) : '*'];
  }, (i) => {
    const k = store.getAccessKey(i.AccessKeyId);
    // AWS answers AccessDenied rather than revealing whether a key id exists.
    if (!k) throw awsError('AccessDenied', 'The access key id does not exist or is not visible to the caller.');
    const u = k.userId === 'root' ? undefined : store.getUserById(k.userId);
    return {
      ...(u ? { UserName: u.name } : {}),
      AccessKeyLastUsed: k.lastUsed
        ? { LastUsedDate: new Date(k.lastUsed.date), ServiceName: k.lastUsed.service, Region: k.lastUsed.region }
        : { ServiceName: 'N/A', Region: 'N/A' },
    };
  });

  // ---- groups --------------------------------------------------------------------------------
  type GroupIn = { GroupName: string };
  def<GroupIn & { Path?: string }>('CreateGroup', (i) => [store.arn('group', i.Path ?? '/', i.GroupName)], async (i, ctx) => {
    const g = await store.createGroup(i.GroupName, i.Path ?? '/');
    ctx.addResource(store.arn('group', g.path, g.name), 'AWS::IAM::Group');
    return { Group: groupOut(g) };
  });
  def<GroupIn & Paged>('GetGroup', (i) => [groupArn(i.GroupName)], (i) => {
    const g = store.mustGroup(i.GroupName);
    const p = page(store.groupMembers(g.id), i);
    return { Group: groupOut(g), Users: p.items.map((u) => userOut(u, false)), IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });
  def<Paged & { PathPrefix?: string }>('ListGroups', (i) => [`arn:aws:iam::${acct}:group${i.PathPrefix ?? '/'}*`], (i) => {
    const p = page(store.listGroups().filter((g) => underPath(g.path, i.PathPrefix)), i);
    return { Groups: p.items.map(groupOut), IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });
  def<GroupIn & { NewGroupName?: string; NewPath?: string }>('UpdateGroup', (i) => [groupArn(i.GroupName)], async (i, ctx) => {
    const g = await store.updateGroup(i.GroupName, i.NewGroupName, i.NewPath);
    ctx.addResource(store.arn('group', g.path, g.name), 'AWS::IAM::Group');
  });
  def<GroupIn>('DeleteGroup', (i) => [groupArn(i.GroupName)], async (i, ctx) => {
    const arn = groupArn(i.GroupName);
    await store.deleteGroup(i.GroupName);
    ctx.addResource(arn, 'AWS::IAM::Group');
  });
  def<GroupIn & UserIn>('AddUserToGroup', (i) => [groupArn(i.GroupName)], async (i, ctx) => {
    await store.addUserToGroup(i.GroupName, i.UserName);
    ctx.addResource(groupArn(i.GroupName), 'AWS::IAM::Group');
    ctx.addResource(userArn(i.UserName), 'AWS::IAM::User');
  });
  def<GroupIn & UserIn>('RemoveUserFromGroup', (i) => [groupArn(i.GroupName)], async (i, ctx) => {
    await store.removeUserFromGroup(i.GroupName, i.UserName);
    ctx.addResource(groupArn(i.GroupName), 'AWS::IAM::Group');
    ctx.addResource(userArn(i.UserName), 'AWS::IAM::User');
  });
  def<UserIn & Paged>('ListGroupsForUser', (i) => [userArn(i.UserName)], (i) => {
    const u = store.mustUser(i.UserName);
    const groups = u.groups.map((id) => store.getGroupById(id)).filter((g): g is GroupRecord => g !== undefined);
    const p = page(groups, i);
    return { Groups: p.items.map(groupOut), IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });

  // ---- roles ---------------------------------------------------------------------------------
  type RoleIn = { RoleName: string };
  def<RoleIn & { Path?: string; AssumeRolePolicyDocument: string; Description?: string; MaxSessionDuration?: number; PermissionsBoundary?: string; Tags?: Tag[] }>(
    'CreateRole',
    (i) => [store.arn('role', i.Path ?? '/', i.RoleName)],
    async (i, ctx) => {
      const r = await store.createRole({
        name: i.RoleName, path: i.Path ?? '/', trustPolicy: i.AssumeRolePolicyDocument,
        ...(i.Description !== undefined ? { description: i.Description } : {}),
        ...(i.MaxSessionDuration !== undefined ? { maxSessionDuration: i.MaxSessionDuration } : {}),
        ...(i.Tags ? { tags: i.Tags } : {}),
        ...(i.PermissionsBoundary !== undefined ? { boundary: i.PermissionsBoundary } : {}),
      });
      ctx.addResource(store.arn('role', r.path, r.name), 'AWS::IAM::Role');
      const { RoleLastUsed: _unused, ...out } = roleOut(r, true);
      return { Role: out };
    },
    { context: (i) => oneKey('iam:permissionsboundary', i.PermissionsBoundary) },
  );
  def<RoleIn>('GetRole', (i) => [roleArn(i.RoleName)], (i, ctx) => {
    const r = store.mustRole(i.RoleName);
    ctx.addResource(store.arn('role', r.path, r.name), 'AWS::IAM::Role');
    return { Role: roleOut(r, true) };
  });
  def<Paged & { PathPrefix?: string }>('ListRoles', (i) => [`arn:aws:iam::${acct}:role${i.PathPrefix ?? '/'}*`], (i) => {
    const p = page(store.listRoles().filter((r) => underPath(r.path, i.PathPrefix)), i);
    return { Roles: p.items.map((r) => roleOut(r, false)), IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });
  def<RoleIn & { Description?: string; MaxSessionDuration?: number }>('UpdateRole', (i) => [roleArn(i.RoleName)], async (i, ctx) => {
    await store.updateRole(i.RoleName, {
      ...(i.Description !== undefined ? { description: i.Description } : {}),
      ...(i.MaxSessionDuration !== undefined ? { maxSessionDuration: i.MaxSessionDuration } : {}),
    });
    ctx.addResource(roleArn(i.RoleName), 'AWS::IAM::Role');
    return {};
  }, { context: (i) => roleCtx(i.RoleName) });
  def<RoleIn & { PolicyDocument: string }>('UpdateAssumeRolePolicy', (i) => [roleArn(i.RoleName)], async (i, ctx) => {
    await store.updateRole(i.RoleName, { trustPolicy: i.PolicyDocument });
    ctx.addResource(roleArn(i.RoleName), 'AWS::IAM::Role');
  }, { context: (i) => roleCtx(i.RoleName) });
  def<RoleIn>('DeleteRole', (i) => [roleArn(i.RoleName)], async (i, ctx) => {
    const arn = roleArn(i.RoleName);
    await store.deleteRole(i.RoleName);
    ctx.addResource(arn, 'AWS::IAM::Role');
  }, { context: (i) => roleCtx(i.RoleName) });
  def<RoleIn & { Tags: Tag[] }>('TagRole', (i) => [roleArn(i.RoleName)], async (i, ctx) => {
    const r = store.mustRole(i.RoleName);
    await store.updateRole(i.RoleName, { tags: mergeTagList(r.tags, i.Tags) });
    ctx.addResource(roleArn(i.RoleName), 'AWS::IAM::Role');
  }, { context: (i) => roleCtx(i.RoleName) });
  def<RoleIn & { TagKeys: string[] }>('UntagRole', (i) => [roleArn(i.RoleName)], async (i, ctx) => {
    const r = store.mustRole(i.RoleName);
    const drop = new Set(i.TagKeys.map((k) => k.toLowerCase()));
    await store.updateRole(i.RoleName, { tags: r.tags.filter((t) => !drop.has(t.Key.toLowerCase())) });
    ctx.addResource(roleArn(i.RoleName), 'AWS::IAM::Role');
  }, { context: (i) => roleCtx(i.RoleName) });
  def<RoleIn & Paged>('ListRoleTags', (i) => [roleArn(i.RoleName)], (i) => {
    const p = page(store.mustRole(i.RoleName).tags, i);
    return { Tags: p.items, IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  });
  def<RoleIn & { PermissionsBoundary: string }>('PutRolePermissionsBoundary', (i) => [roleArn(i.RoleName)], async (i, ctx) => {
    await store.setRoleBoundary(i.RoleName, i.PermissionsBoundary);
    ctx.addResource(roleArn(i.RoleName), 'AWS::IAM::Role');
  }, { context: (i) => resourceTags(store.getRole(i.RoleName)?.tags, new Map([['iam:permissionsboundary', i.PermissionsBoundary]])) });
  def<RoleIn>('DeleteRolePermissionsBoundary', (i) => [roleArn(i.RoleName)], async (i, ctx) => {
    const r = store.mustRole(i.RoleName);
    if (r.boundary === undefined) throw awsError('NoSuchEntity', `The role with name ${i.RoleName} does not have a permissions boundary.`);
    await store.setRoleBoundary(i.RoleName, undefined);
    ctx.addResource(roleArn(i.RoleName), 'AWS::IAM::Role');
  }, { context: (i) => resourceTags(store.getRole(i.RoleName)?.tags, new Map([['iam:permissionsboundary', store.getRole(i.RoleName)?.boundary ?? '']])) });

  // ---- managed policies ----------------------------------------------------------------------
  type PolicyIn = { PolicyArn: string };
  def<{ PolicyName: string; Path?: string; PolicyDocument: string; Description?: string; Tags?: Tag[] }>(
    'CreatePolicy',
    (i) => [store.policyArn(i.Path ?? '/', i.PolicyName)],
    async (i, ctx) => {
      const p = await store.createPolicy({
        name: i.PolicyName, path: i.Path ?? '/', document: i.PolicyDocument,
        ...(i.Description !== undefined ? { description: i.Description } : {}), ...(i.Tags ? { tags: i.Tags } : {}),
      });
      ctx.addResource(p.arn, 'AWS::IAM::Policy');
      const { Description: _d, ...out } = policyOut(p, true);
      return { Policy: out };
    },
  );
  def<PolicyIn>('GetPolicy', (i) => [i.PolicyArn], (i, ctx) => {
    const p = store.getPolicy(i.PolicyArn);
    if (!p) throw awsError('NoSuchEntity', `Policy ${i.PolicyArn} was not found.`);
    ctx.addResource(p.arn, 'AWS::IAM::Policy');
    return { Policy: policyOut(p, true) };
  });
  def<Paged & { Scope?: 'All' | 'AWS' | 'Local'; OnlyAttached?: boolean; PathPrefix?: string; PolicyUsageFilter?: 'PermissionsPolicy' | 'PermissionsBoundary' }>(
    'ListPolicies',
    undefined,
    (i) => {
      const scope = i.Scope ?? 'All';
      const list = store.listPolicies().filter((p) => {
        if (scope === 'AWS' && !p.awsManaged) return false;
        if (scope === 'Local' && p.awsManaged) return false;
        if (!underPath(p.path, i.PathPrefix)) return false;
        if (i.OnlyAttached) {
          const n = i.PolicyUsageFilter === 'PermissionsBoundary' ? store.boundaryCount(p.arn)
            : i.PolicyUsageFilter === 'PermissionsPolicy' ? store.attachmentCount(p.arn)
              : store.attachmentCount(p.arn) + store.boundaryCount(p.arn);
          if (n === 0) return false;
        }
        return true;
      });
      const pg = page(list, i);
      return { Policies: pg.items.map((p) => policyOut(p, false)), IsTruncated: pg.IsTruncated, ...(pg.Marker ? { Marker: pg.Marker } : {}) };
    },
  );
  def<PolicyIn>('DeletePolicy', (i) => [i.PolicyArn], async (i, ctx) => {
    await store.deletePolicy(i.PolicyArn);
    ctx.addResource(i.PolicyArn, 'AWS::IAM::Policy');
  });
  const versionOut = (p: PolicyRecord, v: { id: string; document: string; createDate: string }, withDoc: boolean): Record<string, unknown> => ({
    ...(withDoc ? { Document: encodePolicyDocument(v.document) } : {}),
    VersionId: v.id, IsDefaultVersion: p.defaultVersion === v.id, CreateDate: new Date(v.createDate),
  });
  def<PolicyIn & { PolicyDocument: string; SetAsDefault?: boolean }>('CreatePolicyVersion', (i) => [i.PolicyArn], async (i, ctx) => {
    const v = await store.createPolicyVersion(i.PolicyArn, i.PolicyDocument, i.SetAsDefault === true);
    ctx.addResource(i.PolicyArn, 'AWS::IAM::Policy');
    return { PolicyVersion: versionOut(store.getPolicy(i.PolicyArn)!, v, false) };
  });
  def<PolicyIn & { VersionId: string }>('GetPolicyVersion', (i) => [i.PolicyArn], (i) => {
    const v = store.getPolicyVersion(i.PolicyArn, i.VersionId);
    return { PolicyVersion: versionOut(store.getPolicy(i.PolicyArn)!, v, true) };
  });
  def<PolicyIn & Paged>('ListPolicyVersions', (i) => [i.PolicyArn], (i) => {
    const p = store.getPolicy(i.PolicyArn);
    if (!p) throw awsError('NoSuchEntity', `Policy ${i.PolicyArn} was not found.`);
    const versions = [...p.versions].reverse();
    const pg = page(versions, i);
    return { Versions: pg.items.map((v) => versionOut(p, v, false)), IsTruncated: pg.IsTruncated, ...(pg.Marker ? { Marker: pg.Marker } : {}) };
  });
  def<PolicyIn & { VersionId: string }>('DeletePolicyVersion', (i) => [i.PolicyArn], async (i, ctx) => {
    await store.deletePolicyVersion(i.PolicyArn, i.VersionId);
    ctx.addResource(i.PolicyArn, 'AWS::IAM::Policy');
  });
  def<PolicyIn & { VersionId: string }>('SetDefaultPolicyVersion', (i) => [i.PolicyArn], async (i, ctx) => {
    await store.setDefaultPolicyVersion(i.PolicyArn, i.VersionId);
    ctx.addResource(i.PolicyArn, 'AWS::IAM::Policy');
  });
  def<PolicyIn & Paged & { EntityFilter?: string; PathPrefix?: string; PolicyUsageFilter?: string }>('ListEntitiesForPolicy', (i) => [i.PolicyArn], (i) => {
    const p = store.getPolicy(i.PolicyArn);
    if (!p) throw awsError('NoSuchEntity', `Policy ${i.PolicyArn} was not found.`);
    const f = i.EntityFilter;
    const byPath = <T extends { path: string }>(xs: T[]): T[] => xs.filter((x) => underPath(x.path, i.PathPrefix));
    let users: UserRecord[] = [];
    let groups: GroupRecord[] = [];
    let roles: RoleRecord[] = [];
    if (i.PolicyUsageFilter !== 'PermissionsBoundary') {
      const a = store.policyAttachments(p.arn);
      users = a.users; groups = a.groups; roles = a.roles;
    }
    if (i.PolicyUsageFilter !== 'PermissionsPolicy') {
      const b = store.boundaryUsers(p.arn);
      users = [...new Set([...users, ...b.users])];
      roles = [...new Set([...roles, ...b.roles])];
    }
    return {
      PolicyUsers: f === undefined || f === 'User' ? byPath(users).map((u) => ({ UserName: u.name, UserId: u.id })) : [],
      PolicyGroups: f === undefined || f === 'Group' ? byPath(groups).map((g) => ({ GroupName: g.name, GroupId: g.id })) : [],
      PolicyRoles: f === undefined || f === 'Role' ? byPath(roles).map((r) => ({ RoleName: r.name, RoleId: r.id })) : [],
      IsTruncated: false,
    };
  });

  // ---- attach / detach, inline policies (same shape for users, groups, roles) ----------------
  const kinds: readonly [EntityKind, string, string][] = [['user', 'User', 'UserName'], ['group', 'Group', 'GroupName'], ['role', 'Role', 'RoleName']];
  for (const [kind, K, nameKey] of kinds) {
    type In = Record<string, string> & Paged & { PolicyArn: string; PolicyName: string; PolicyDocument: string; PathPrefix?: string };
    const arnOf = (i: In): string => (kind === 'user' ? userArn(i[nameKey]!) : kind === 'group' ? groupArn(i[nameKey]!) : roleArn(i[nameKey]!));
    const entityTags = (i: In): readonly Tag[] | undefined =>
      kind === 'user' ? store.getUser(i[nameKey]!)?.tags : kind === 'role' ? store.getRole(i[nameKey]!)?.tags : undefined;
    const cfnType = `AWS::IAM::${K}`;
    def<In>(`Attach${K}Policy`, (i) => [arnOf(i)], async (i, ctx) => {
      await store.attachPolicy(kind, i[nameKey]!, i.PolicyArn);
      ctx.addResource(arnOf(i), cfnType);
      ctx.addResource(i.PolicyArn, 'AWS::IAM::Policy');
    }, { context: (i) => resourceTags(entityTags(i), new Map([['iam:policyarn', i.PolicyArn]])) });
    def<In>(`Detach${K}Policy`, (i) => [arnOf(i)], async (i, ctx) => {
      await store.detachPolicy(kind, i[nameKey]!, i.PolicyArn);
      ctx.addResource(arnOf(i), cfnType);
      ctx.addResource(i.PolicyArn, 'AWS::IAM::Policy');
    }, { context: (i) => resourceTags(entityTags(i), new Map([['iam:policyarn', i.PolicyArn]])) });
    def<In>(`ListAttached${K}Policies`, (i) => [arnOf(i)], (i) => {
      const e = store.mustEntity(kind, i[nameKey]!);
      const pg = page(attachedOut(e.attached, i.PathPrefix), i);
      return { AttachedPolicies: pg.items, IsTruncated: pg.IsTruncated, ...(pg.Marker ? { Marker: pg.Marker } : {}) };
    });
    def<In>(`Put${K}Policy`, (i) => [arnOf(i)], async (i, ctx) => {
      await store.putInlinePolicy(kind, i[nameKey]!, i.PolicyName, i.PolicyDocument);
      ctx.addResource(arnOf(i), cfnType);
    }, { context: (i) => resourceTags(entityTags(i)) });
    def<In>(`Get${K}Policy`, (i) => [arnOf(i)], (i) => {
      const e = store.mustEntity(kind, i[nameKey]!);
      const p = store.getInlinePolicy(kind, e.name, i.PolicyName);
      return { [nameKey]: e.name, PolicyName: p.name, PolicyDocument: encodePolicyDocument(p.document) };
    });
    def<In>(`Delete${K}Policy`, (i) => [arnOf(i)], async (i, ctx) => {
      await store.deleteInlinePolicy(kind, i[nameKey]!, i.PolicyName);
      ctx.addResource(arnOf(i), cfnType);
    }, { context: (i) => resourceTags(entityTags(i)) });
    def<In>(`List${K}Policies`, (i) => [arnOf(i)], (i) => {
      const e = store.mustEntity(kind, i[nameKey]!);
      const pg = page(e.inline.map((p) => p.name), i);
      return { PolicyNames: pg.items, IsTruncated: pg.IsTruncated, ...(pg.Marker ? { Marker: pg.Marker } : {}) };
    });
  }

  // ---- policy simulator ----------------------------------------------------------------------
  interface SimIn extends Paged {
    ActionNames: string[];
    ResourceArns?: string[];
    ContextEntries?: { ContextKeyName?: string; ContextKeyType?: string; ContextKeyValues?: string[] }[];
    PolicyInputList?: string[];
    PermissionsBoundaryPolicyInputList?: string[];
    ResourcePolicy?: string;
    CallerArn?: string;
    ResourceOwner?: string;
  }
  const simulate = (i: SimIn, principal: AuthzPrincipal, identity: CompiledPolicy[], boundary: CompiledPolicy | undefined): Record<string, unknown> => {
    const extra = i.PolicyInputList ?? [];
    for (let n = 0; n < extra.length; n++) identity.push(store.compile(extra[n]!, 'identity', `PolicyInputList.${n + 1}`));
    const bList = i.PermissionsBoundaryPolicyInputList ?? [];
    if (bList.length) boundary = store.compile(bList[0]!, 'boundary', 'PermissionsBoundaryPolicyInputList.1');
    const resourcePolicy = i.ResourcePolicy !== undefined ? store.compile(i.ResourcePolicy, 'resource', 'ResourcePolicy') : undefined;
    const entries: Record<string, string | readonly string[]> = {};
    for (const e of i.ContextEntries ?? []) {
      if (!e.ContextKeyName) continue;
      const vals = e.ContextKeyValues ?? [];
      entries[e.ContextKeyName] = e.ContextKeyType?.endsWith('List') ? vals : (vals[0] ?? '');
    }
    const context = contextFrom(entries);
    const resources = i.ResourceArns?.length ? i.ResourceArns : ['*'];
    const results: Record<string, unknown>[] = [];
    for (const action of i.ActionNames) {
      for (const resource of resources) {
        const d = evaluate(
          {
            identityPolicies: identity,
            ...(resourcePolicy ? { resourcePolicy } : {}),
            ...(boundary ? { permissionsBoundary: boundary } : {}),
          },
          { principal, action, resource, context },
        );
        results.push({
          EvalActionName: action, EvalResourceName: resource, EvalDecision: d.decision,
          MatchedStatements: d.matched.map(statementOut), MissingContextValues: [],
          ...(boundary ? { PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: !d.matched.some((m) => m.source === boundary!.source && m.effect === 'Deny') } } : {}),
        });
      }
    }
    const pg = page(results, i);
    return { EvaluationResults: pg.items, IsTruncated: pg.IsTruncated, ...(pg.Marker ? { Marker: pg.Marker } : {}) };
  };
  def<SimIn & { PolicySourceArn: string }>('SimulatePrincipalPolicy', (i) => [i.PolicySourceArn], (i) => {
    const src = parseEntityArn(i.PolicySourceArn, acct);
    if (!src) throw awsError('InvalidInput', `Invalid ARN: ${i.PolicySourceArn}`);
    const rec = src.kind === 'user' ? store.getUser(src.name) : src.kind === 'group' ? store.getGroup(src.name) : store.getRole(src.name);
    if (!rec) throw awsError('NoSuchEntity', `The ${src.kind} with name ${src.name} cannot be found.`);
    const set = store.entityPolicySet(src.kind, rec);
    const arn = store.arn(src.kind, rec.path, rec.name);
    const principal: AuthzPrincipal = src.kind === 'role'
      ? { type: 'AssumedRole', accountId: acct, arn: i.CallerArn ?? arn, roleArn: arn }
      : { type: 'IAMUser', accountId: acct, arn: i.CallerArn ?? arn };
    return simulate(i, principal, [...set.identity], set.boundary);
  });
  def<SimIn>('SimulateCustomPolicy', undefined, (i, ctx) => {
    const principal: AuthzPrincipal = { type: 'IAMUser', accountId: acct, arn: i.CallerArn ?? ctx.principal.arn };
    return simulate(i, principal, [], undefined);
  });

  // ---- account -------------------------------------------------------------------------------
  def<Record<string, never>>('GetAccountSummary', undefined, () => {
    const c = store.counts();
    const q = store.quotas;
    return {
      SummaryMap: {
        Users: c.users, UsersQuota: q.usersPerAccount, Groups: c.groups, GroupsQuota: q.groupsPerAccount,
        Roles: c.roles, RolesQuota: q.rolesPerAccount, Policies: c.policies, PoliciesQuota: q.managedPoliciesPerAccount,
        PolicyVersionsInUse: c.policyVersions, PolicyVersionsInUseQuota: 10000, VersionsPerPolicyQuota: q.versionsPerPolicy,
        PolicySizeQuota: q.managedPolicySize, UserPolicySizeQuota: q.userPolicySize, GroupPolicySizeQuota: q.groupPolicySize,
        RolePolicySizeQuota: q.rolePolicySize, AssumeRolePolicySizeQuota: q.assumeRolePolicySize,
        AttachedPoliciesPerUserQuota: q.attachedPoliciesPerEntity, AttachedPoliciesPerGroupQuota: q.attachedPoliciesPerEntity,
        AttachedPoliciesPerRoleQuota: q.attachedPoliciesPerEntity, GroupsPerUserQuota: q.groupsPerUser,
        AccessKeysPerUserQuota: q.accessKeysPerUser, AccountAccessKeysPresent: c.rootKeys > 0 ? 1 : 0,
        AccountMFAEnabled: 0, MFADevices: 0, MFADevicesInUse: 0, AccountPasswordPresent: 0,
        AccountSigningCertificatesPresent: 0, SigningCertificatesPerUserQuota: 2,
        ServerCertificates: 0, ServerCertificatesQuota: 20, InstanceProfiles: 0, InstanceProfilesQuota: 1000,
        Providers: 0, GlobalEndpointTokenVersion: 1,
      },
    };
  });
  def<Paged & { Filter?: string[] }>('GetAccountAuthorizationDetails', undefined, (i) => {
    const want = (f: string): boolean => !i.Filter?.length || i.Filter.includes(f);
    const inlineOut = (e: { inline: readonly { name: string; document: string }[] }): Record<string, unknown>[] =>
      e.inline.map((p) => ({ PolicyName: p.name, PolicyDocument: encodePolicyDocument(p.document) }));
    const groupNames = (u: UserRecord): string[] => u.groups.map((g) => store.getGroupById(g)?.name).filter((n): n is string => n !== undefined);
    const wantLocal = want('LocalManagedPolicy');
    const wantAws = want('AWSManagedPolicy');
    return {
      UserDetailList: want('User') ? store.listUsers().map((u) => ({
        ...userOut(u, true), UserPolicyList: inlineOut(u), GroupList: groupNames(u), AttachedManagedPolicies: attachedOut(u.attached, undefined),
      })) : [],
      GroupDetailList: want('Group') ? store.listGroups().map((g) => ({
        ...groupOut(g), GroupPolicyList: inlineOut(g), AttachedManagedPolicies: attachedOut(g.attached, undefined),
      })) : [],
      RoleDetailList: want('Role') ? store.listRoles().map((r) => ({
        ...roleOut(r, true), RolePolicyList: inlineOut(r), AttachedManagedPolicies: attachedOut(r.attached, undefined), InstanceProfileList: [],
      })) : [],
      Policies: store.listPolicies()
        .filter((p) => (p.awsManaged ? wantAws && store.attachmentCount(p.arn) + store.boundaryCount(p.arn) > 0 : wantLocal))
        .map((p) => ({ ...policyOut(p, true), PolicyVersionList: [...p.versions].reverse().map((v) => versionOut(p, v, true)) })),
      IsTruncated: false,
    };
  });

  return { name: 'iam', eventSource: 'iam.amazonaws.com', model, operations: ops };
}

function mergeTagList(cur: readonly Tag[], add: readonly Tag[]): Tag[] {
  const out = cur.map((t) => ({ Key: t.Key, Value: t.Value }));
  for (const t of add) {
    const i = out.findIndex((x) => x.Key.toLowerCase() === t.Key.toLowerCase());
    if (i >= 0) out[i] = { Key: t.Key, Value: t.Value };
    else out.push({ Key: t.Key, Value: t.Value });
  }
  if (out.length > 50) throw awsError('LimitExceeded', 'Cannot exceed quota for TagsPerEntity: 50');
  return out;
}

/** Splits arn:aws:iam::<acct>:(user|group|role)<path><name>. */
export function parseEntityArn(arn: string, accountId: string): { kind: EntityKind; path: string; name: string } | undefined {
  const prefix = `arn:aws:iam::${accountId}:`;
  if (!arn.startsWith(prefix)) return undefined;
  const rest = arn.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const kind = rest.slice(0, slash);
  if (kind !== 'user' && kind !== 'group' && kind !== 'role') return undefined;
  const pathAndName = rest.slice(slash);
  const last = pathAndName.lastIndexOf('/');
  const name = pathAndName.slice(last + 1);
  if (!name) return undefined;
  return { kind, path: pathAndName.slice(0, last + 1), name };
}

/** A matched statement as the simulator reports it: SourcePolicyId and SourcePolicyType. */
function statementOut(m: MatchedStatement): Record<string, unknown> {
  const s = m.source;
  if (s.startsWith('inline:')) {
    const [, kind, , name] = s.split(':');
    return { SourcePolicyId: name, SourcePolicyType: kind };
  }
  if (s.startsWith('arn:aws:iam::aws:policy/')) return { SourcePolicyId: s.slice(s.lastIndexOf('/') + 1), SourcePolicyType: 'aws-managed' };
  if (s.startsWith('arn:')) return { SourcePolicyId: s.slice(s.lastIndexOf('/') + 1), SourcePolicyType: 'user-managed' };
  if (s === 'ResourcePolicy') return { SourcePolicyId: s, SourcePolicyType: 'resource' };
  return { SourcePolicyId: s, SourcePolicyType: 'none' };
}
