/** KMS: keys with state, spec, rotation and aliases; create, enable/disable, rotate, deletion, key policy. */
import { useState } from 'preact/hooks';
import type { Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { DataTable, type Column } from '../table.tsx';
import { Async, Card, FormActions, JsonEditor, Outcome, Panel, fmtTime, useLoad, useSubmit } from '../ui.tsx';

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
  const button = (label: string, fn: () => void, cls = 'small') => (
    <button type="button" class={cls} onClick={fn}>
      {label}
    </button>
  );
  const keyColumns: Column<KeyRow>[] = [
    {
      header: 'Key ID',
      cell: ({ meta }) => (
        <>
          <code>{String(meta.KeyId)}</code>
          {meta.Description ? <div class="muted small">{String(meta.Description)}</div> : null}
        </>
      ),
    },
    { header: 'Aliases', cell: ({ aliases }) => (aliases.length ? aliases.join(', ') : <span class="muted">—</span>) },
    {
      header: 'State',
      cell: ({ meta }) => (
        <>
          <span class={`badge state-${String(meta.KeyState)}`}>{String(meta.KeyState)}</span>
          {meta.DeletionDate ? <div class="small">deletes {fmtTime(meta.DeletionDate)}</div> : null}
        </>
      ),
    },
    { header: 'Spec / usage', cell: ({ meta }) => `${String(meta.KeySpec)} / ${String(meta.KeyUsage)}` },
    { header: 'Rotation', cell: ({ rotation }) => (rotation === undefined ? <span class="muted">n/a</span> : rotation ? 'Enabled' : 'Disabled') },
    { header: 'Created', cell: ({ meta }) => fmtTime(meta.CreationDate) },
    {
      header: 'Actions',
      class: 'row-actions',
      cell: ({ meta, rotation }) => {
        const id = String(meta.KeyId);
        const state = String(meta.KeyState);
        const kms = (what: string, op: string) => () => act(what, () => api.kms(op, { KeyId: id }));
        if (meta.KeyManager === 'AWS') return [<span class="muted small">AWS managed</span>, button('Edit policy', () => setEditing(id), 'small secondary')];
        return [
          state === 'Enabled' ? button('Disable', kms(`Disabled ${id}`, 'DisableKey')) : null,
          state === 'Disabled' ? button('Enable', kms(`Enabled ${id}`, 'EnableKey')) : null,
          rotation === false ? button('Enable rotation', kms(`Enabled automatic rotation of ${id}`, 'EnableKeyRotation')) : null,
          rotation === true ? button('Disable rotation', kms(`Disabled automatic rotation of ${id}`, 'DisableKeyRotation')) : null,
          rotation !== undefined && state === 'Enabled' ? button('Rotate now', kms(`Rotated ${id}`, 'RotateKeyOnDemand')) : null,
          state !== 'PendingDeletion' ? button('Schedule deletion', () => setDeleting(id), 'small danger') : null,
          state === 'PendingDeletion' ? button('Cancel deletion', kms(`Cancelled deletion of ${id}`, 'CancelKeyDeletion')) : null,
          button('Edit policy', () => setEditing(id), 'small secondary'),
        ];
      },
    },
  ];
  return (
    <>
      <h1>KMS</h1>
      <Outcome message={message} error={actionError} />
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
          {(rows) => <DataTable columns={keyColumns} rows={rows} rowKey={(r) => String(r.meta.KeyId)} keyAttr="data-key-id" empty="No keys yet. Choose “Create key” to make your first customer managed key." />}
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
  const { busy, error, submit } = useSubmit(async () => {
    const u = usages.includes(usage) ? usage : (usages[0] as string);
    const r = await api.kms<{ KeyMetadata: { KeyId: string } }>('CreateKey', { KeySpec: spec, KeyUsage: u, ...(desc ? { Description: desc } : {}) });
    if (alias.trim()) await api.kms('CreateAlias', { AliasName: alias.trim().startsWith('alias/') ? alias.trim() : `alias/${alias.trim()}`, TargetKeyId: r.KeyMetadata.KeyId });
    onDone(r.KeyMetadata.KeyId);
  });
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
        <FormActions submit="Create" busy={busy} error={error} what="creating the key" onCancel={() => onDone()} />
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
        <p class="small span-all">
          After the waiting period the key and everything encrypted under it become unrecoverable. Until then the key is unusable and “Cancel deletion” restores it (disabled).
        </p>
        <label for="del-days">Waiting period (days)</label>
        <input id="del-days" type="number" min={7} max={30} required value={days} onInput={(e) => setDays((e.target as HTMLInputElement).value)} />
        <FormActions submit="Schedule key deletion" danger onCancel={onCancel} />
      </form>
    </Panel>
  );
}
