/** KMS: keys with state, spec, rotation and aliases; create, enable/disable, rotate, deletion, key policy. */
import { useState } from 'preact/hooks';
import type { Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { Async, Card, Empty, ErrorBox, JsonEditor, Panel, fmtTime, useLoad } from '../ui.tsx';

interface KeyRow {
  meta: Json;
  aliases: string[];
  rotation?: boolean;
}

const SPECS = ['SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'HMAC_256', 'HMAC_384', 'HMAC_512'];
const USAGES: Record<string, string[]> = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
  HMAC_384: ['GENERATE_VERIFY_MAC'],
  HMAC_512: ['GENERATE_VERIFY_MAC'],
};

/** The KMS page. */
export function KmsPage({ api }: PageProps) {
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<string | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [message, setMessage] = useState<string | undefined>();
  const keys = useLoad(async () => {
    const list = await api.kms<{ Keys?: { KeyId: string }[] }>('ListKeys', { Limit: 1000 });
    const aliases = await api.kms<{ Aliases?: { AliasName: string; TargetKeyId?: string }[] }>('ListAliases', { Limit: 100 }).catch(() => ({ Aliases: [] }));
    const rows: KeyRow[] = [];
    for (const k of list.Keys ?? []) {
      const d = await api.kms<{ KeyMetadata: Json }>('DescribeKey', { KeyId: k.KeyId });
      const meta = d.KeyMetadata;
      const row: KeyRow = { meta, aliases: (aliases.Aliases ?? []).filter((a) => a.TargetKeyId === k.KeyId).map((a) => a.AliasName) };
      if (meta.KeySpec === 'SYMMETRIC_DEFAULT' && meta.KeyManager !== 'AWS' && meta.KeyState !== 'PendingDeletion') {
        row.rotation = await api.kms<{ KeyRotationEnabled?: boolean }>('GetKeyRotationStatus', { KeyId: k.KeyId }).then((r) => r.KeyRotationEnabled === true, () => undefined);
      }
      rows.push(row);
    }
    return rows;
  });
  const act = async (what: string, fn: () => Promise<unknown>) => {
    setActionError(undefined);
    setMessage(undefined);
    try {
      await fn();
      setMessage(what);
      keys.reload();
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <>
      <h1>KMS</h1>
      {message ? (
        <p class="ok" role="status">
          {message}
        </p>
      ) : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      {creating ? <CreateKey api={api} onDone={(id) => { setCreating(false); if (id) { setMessage(`Created key ${id}`); keys.reload(); } }} /> : null}
      {deleting ? (
        <ScheduleDeletion
          keyId={deleting}
          onCancel={() => setDeleting(undefined)}
          onConfirm={(days) => {
            const id = deleting;
            setDeleting(undefined);
            return act(`Scheduled deletion of ${id} in ${days} days`, () => api.kms('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: days }));
          }}
        />
      ) : null}
      {editing ? <PolicyEditor api={api} keyId={editing} onDone={(saved) => { setEditing(undefined); if (saved) setMessage(`Saved the key policy of ${editing}`); }} /> : null}
      <Card title="Keys" actions={<><button type="button" onClick={() => setCreating(true)}>Create key</button><button type="button" class="secondary" onClick={keys.reload}>Refresh</button></>}>
        <Async state={keys} what="listing keys">
          {(rows) =>
            rows.length === 0 ? (
              <Empty>No keys yet. Choose “Create key” to make your first customer managed key.</Empty>
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Key ID</th>
                      <th scope="col">Aliases</th>
                      <th scope="col">State</th>
                      <th scope="col">Spec / usage</th>
                      <th scope="col">Rotation</th>
                      <th scope="col">Created</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(({ meta, aliases, rotation }) => {
                      const id = String(meta.KeyId);
                      const state = String(meta.KeyState);
                      const aws = meta.KeyManager === 'AWS';
                      return (
                        <tr data-key-id={id}>
                          <td>
                            <code>{id}</code>
                            {meta.Description ? <div class="muted small">{String(meta.Description)}</div> : null}
                          </td>
                          <td>{aliases.length ? aliases.join(', ') : <span class="muted">—</span>}</td>
                          <td>
                            <span class={`badge state-${state}`}>{state}</span>
                            {meta.DeletionDate ? <div class="small">deletes {fmtTime(meta.DeletionDate)}</div> : null}
                          </td>
                          <td>
                            {String(meta.KeySpec)} / {String(meta.KeyUsage)}
                          </td>
                          <td>{rotation === undefined ? <span class="muted">n/a</span> : rotation ? 'Enabled' : 'Disabled'}</td>
                          <td>{fmtTime(meta.CreationDate)}</td>
                          <td class="row-actions">
                            {aws ? <span class="muted small">AWS managed</span> : null}
                            {!aws && state === 'Enabled' ? <button type="button" class="small" onClick={() => act(`Disabled ${id}`, () => api.kms('DisableKey', { KeyId: id }))}>Disable</button> : null}
                            {!aws && state === 'Disabled' ? <button type="button" class="small" onClick={() => act(`Enabled ${id}`, () => api.kms('EnableKey', { KeyId: id }))}>Enable</button> : null}
                            {!aws && rotation === false ? <button type="button" class="small" onClick={() => act(`Enabled automatic rotation of ${id}`, () => api.kms('EnableKeyRotation', { KeyId: id }))}>Enable rotation</button> : null}
                            {!aws && rotation === true ? <button type="button" class="small" onClick={() => act(`Disabled automatic rotation of ${id}`, () => api.kms('DisableKeyRotation', { KeyId: id }))}>Disable rotation</button> : null}
                            {!aws && rotation !== undefined && state === 'Enabled' ? <button type="button" class="small" onClick={() => act(`Rotated ${id}`, () => api.kms('RotateKeyOnDemand', { KeyId: id }))}>Rotate now</button> : null}
                            {!aws && state !== 'PendingDeletion' ? <button type="button" class="small danger" onClick={() => setDeleting(id)}>Schedule deletion</button> : null}
                            {!aws && state === 'PendingDeletion' ? <button type="button" class="small" onClick={() => act(`Cancelled deletion of ${id}`, () => api.kms('CancelKeyDeletion', { KeyId: id }))}>Cancel deletion</button> : null}
                            <button type="button" class="small secondary" onClick={() => setEditing(id)}>Edit policy</button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )
          }
        </Async>
      </Card>
    </>
  );
}

function CreateKey({ api, onDone }: { api: PageProps['api']; onDone: (id?: string) => void }) {
  const [desc, setDesc] = useState('');
  const [spec, setSpec] = useState('SYMMETRIC_DEFAULT');
  const usages = USAGES[spec] ?? (spec.startsWith('RSA') ? ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'] : ['SIGN_VERIFY']);
  const [usage, setUsage] = useState(usages[0] as string);
  const [alias, setAlias] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const u = usages.includes(usage) ? usage : (usages[0] as string);
      const r = await api.kms<{ KeyMetadata: { KeyId: string } }>('CreateKey', { KeySpec: spec, KeyUsage: u, ...(desc ? { Description: desc } : {}) });
      if (alias.trim()) await api.kms('CreateAlias', { AliasName: alias.trim().startsWith('alias/') ? alias.trim() : `alias/${alias.trim()}`, TargetKeyId: r.KeyMetadata.KeyId });
      onDone(r.KeyMetadata.KeyId);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel title="Create a KMS key">
      <form class="form-grid" onSubmit={submit}>
        <label for="key-desc">Description</label>
        <input id="key-desc" value={desc} onInput={(e) => setDesc((e.target as HTMLInputElement).value)} />
        <label for="key-alias">Alias (optional)</label>
        <input id="key-alias" placeholder="alias/my-key" value={alias} onInput={(e) => setAlias((e.target as HTMLInputElement).value)} />
        <label for="key-spec">Key spec</label>
        <select id="key-spec" value={spec} onChange={(e) => setSpec((e.target as HTMLSelectElement).value)}>
          {SPECS.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <label for="key-usage">Key usage</label>
        <select id="key-usage" value={usages.includes(usage) ? usage : usages[0]} onChange={(e) => setUsage((e.target as HTMLSelectElement).value)}>
          {usages.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        {error ? <ErrorBox error={error} what="creating the key" /> : null}
        <div class="actions">
          <button type="submit" disabled={busy}>
            Create
          </button>
          <button type="button" class="secondary" onClick={() => onDone()}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}

function PolicyEditor({ api, keyId, onDone }: { api: PageProps['api']; keyId: string; onDone: (saved: boolean) => void }) {
  const policy = useLoad(() => api.kms<{ Policy: string }>('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' }), [keyId]);
  return (
    <Panel title={`Key policy of ${keyId}`}>
      <Async state={policy} what="reading the key policy">
        {(p) => {
          let pretty = p.Policy;
          try {
            pretty = JSON.stringify(JSON.parse(p.Policy), null, 2);
          } catch {
            /* show as stored */
          }
          return (
            <JsonEditor
              label="Key policy (JSON)"
              initial={pretty}
              saveLabel="Save policy"
              onCancel={() => onDone(false)}
              onSave={async (v) => {
                await api.kms('PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(v) });
                onDone(true);
              }}
            />
          );
        }}
      </Async>
    </Panel>
  );
}


function ScheduleDeletion({ keyId, onConfirm, onCancel }: { keyId: string; onConfirm: (days: number) => Promise<void>; onCancel: () => void }) {
  const [days, setDays] = useState('30');
  return (
    <Panel title={`Schedule deletion of ${keyId}`}>
      <form
        class="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void onConfirm(Number(days));
        }}
      >
        <p class="small" style={{ gridColumn: '1 / -1' }}>
          After the waiting period the key and everything encrypted under it become unrecoverable. Until then the key is unusable and “Cancel deletion” restores it (disabled).
        </p>
        <label for="del-days">Waiting period (days)</label>
        <input id="del-days" type="number" min={7} max={30} required value={days} onInput={(e) => setDays((e.target as HTMLInputElement).value)} />
        <div class="actions">
          <button type="submit" class="danger">
            Schedule key deletion
          </button>
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
