import { useState } from 'preact/hooks';
import { api, ApiError, type Job, type Session } from '../api.js';
import {
  OPERATIONS,
  toBody,
  validate,
  type Field,
  type ImageUpload,
  type Operation,
  type Values,
} from '../operations.js';
import { linkProps, navigate } from '../router.js';
import { Empty, ErrorNote } from '../ui.js';

const allowed = (session: Session, op: Operation) =>
  session.key.scopes.includes('*') || session.key.scopes.includes(op.provider);

export function CreatePage({ session, operation }: { session: Session; operation?: string }) {
  const usable = OPERATIONS.filter((op) => allowed(session, op));
  const current = usable.find((op) => `${op.provider}/${op.id}` === operation) ?? usable[0];
  if (!current) {
    return (
      <Empty title="No operations for this key">
        This key's scopes ({session.key.scopes.join(', ')}) name no provider. Sign in with a key that has a provider
        scope.
      </Empty>
    );
  }
  return (
    <section>
      <h1>Create</h1>
      <nav class="tabs" aria-label="Operation">
        {usable.map((op) => (
          <a key={op.path} {...linkProps(`/create/${op.provider}/${op.id}`)} class={op === current ? 'active' : ''}>
            {op.title}
          </a>
        ))}
      </nav>
      <OperationForm key={current.path} operation={current} />
    </section>
  );
}

function OperationForm({ operation }: { operation: Operation }) {
  const [values, setValues] = useState<Values>({});
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const problems = validate(operation, values);
  const shown = touched ? problems : {};
  const set = (name: string, value: Values[string]) => setValues((v) => ({ ...v, [name]: value }));

  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    try {
      const job = await api<Job>('POST', operation.path, toBody(operation, values));
      navigate(`/jobs/${job.id}`);
    } catch (e) {
      if (e instanceof ApiError) {
        const details = Array.isArray(e.details)
          ? ` (${(e.details as Array<{ field: string; problems: string[] }>).map((d) => `${d.field}: ${d.problems.join(', ')}`).join('; ')})`
          : '';
        setError(`${e.code}: ${e.message}${details}`);
      } else setError(String(e));
    } finally {
      setBusy(false);
    }
  };

  const basic = operation.fields.filter((f) => !isAdvanced(f));
  const advanced = operation.fields.filter(isAdvanced);
  return (
    <form
      class="card create"
      onSubmit={(e) => void submit(e)}
      noValidate
      data-operation={`${operation.provider}/${operation.id}`}
    >
      <p class="muted small">
        <code>POST {operation.path}</code>
      </p>
      <div class="fields">
        {basic.map((field) => (
          <FieldInput
            key={field.name}
            field={field}
            value={values[field.name]}
            problem={shown[field.name]}
            onChange={set}
          />
        ))}
      </div>
      {advanced.length > 0 && (
        <details>
          <summary>Delivery and deadline</summary>
          <div class="fields">
            {advanced.map((field) => (
              <FieldInput
                key={field.name}
                field={field}
                value={values[field.name]}
                problem={shown[field.name]}
                onChange={set}
              />
            ))}
          </div>
        </details>
      )}
      <ErrorNote error={shown[''] ?? error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Submitting…' : 'Submit'}
      </button>
    </form>
  );
}

const isAdvanced = (field: Field) =>
  ['webhook_url', 'webhook_events', 'timeout_seconds', 'idea_id'].includes(field.name);

function FieldInput({
  field,
  value,
  problem,
  onChange,
}: {
  field: Field;
  value: Values[string] | undefined;
  problem?: string;
  onChange: (name: string, value: Values[string]) => void;
}) {
  const id = `f-${field.name.replace(/\./g, '-')}`;
  const common = { id, name: field.name, 'aria-invalid': problem ? true : undefined };
  let input;
  switch (field.kind) {
    case 'textarea':
      input = (
        <textarea
          {...common}
          rows={3}
          maxLength={field.maxLength}
          value={(value as string) ?? ''}
          onInput={(e) => onChange(field.name, e.currentTarget.value)}
        />
      );
      break;
    case 'select':
      input = (
        <select
          {...common}
          value={(value as string) ?? ''}
          onChange={(e) => onChange(field.name, e.currentTarget.value)}
        >
          <option value="">default</option>
          {field.options?.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      );
      break;
    case 'checkbox':
      input = (
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange(field.name, e.currentTarget.checked)}
        />
      );
      break;
    case 'number':
      input = (
        <input
          {...common}
          type="number"
          inputMode="numeric"
          min={field.min}
          max={field.max}
          step={1}
          value={(value as string) ?? ''}
          onInput={(e) => onChange(field.name, e.currentTarget.value)}
        />
      );
      break;
    case 'urls':
    case 'list':
      input = (
        <textarea
          {...common}
          rows={2}
          value={((value as string[]) ?? []).join('\n')}
          onInput={(e) =>
            onChange(
              field.name,
              e.currentTarget.value
                .split('\n')
                .map((s) => s.trim())
                .filter(Boolean),
            )
          }
        />
      );
      break;
    case 'images':
      input = (
        <input
          {...common}
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          multiple
          onChange={(e) => void readImages(e.currentTarget.files).then((images) => onChange(field.name, images))}
        />
      );
      break;
    default:
      input = (
        <input
          {...common}
          type={field.kind === 'url' ? 'url' : 'text'}
          maxLength={field.maxLength}
          placeholder={field.placeholder}
          value={(value as string) ?? ''}
          onInput={(e) => onChange(field.name, e.currentTarget.value)}
        />
      );
  }
  return (
    <div class={`field field-${field.kind}`}>
      <label for={id}>
        {field.label}
        {field.required ? ' *' : ''}
        {field.min !== undefined && field.max !== undefined ? (
          <span class="muted small">
            {' '}
            ({field.min}–{field.max})
          </span>
        ) : null}
      </label>
      {input}
      <span class="problem">{problem ?? (field.help ? <span class="muted small">{field.help}</span> : ' ')}</span>
    </div>
  );
}

async function readImages(files: FileList | null): Promise<ImageUpload[]> {
  return Promise.all(
    [...(files ?? [])].map(
      (file) =>
        new Promise<ImageUpload>((resolve, reject) => {
          const reader = new FileReader();
          reader.onload = () => resolve({ name: file.name, data: reader.result as string, content_type: file.type });
          reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
          reader.readAsDataURL(file);
        }),
    ),
  );
}
