// The lookup form's model and its conversion to the request: the mapping and plug-in options are
// edited as "label = field" lines; credentials are sent only when the administrator typed them.
import type { KeyKind, Lookup, LookupIn, RoleName } from "@/features/lookups/api";

export interface LookupForm {
  name: string;
  kind: LookupIn["kind"];
  keyKinds: KeyKind[];
  roles: RoleName[];
  timeoutMs: number;
  cacheS: number;
  enabled: boolean;
  urlTemplate: string;
  rowsPath: string;
  query: string;
  plugin: string;
  options: string;
  mapping: string;
  /** Typed anew: empty keeps the stored credentials. */
  url: string;
  headers: string;
}

export function emptyForm(): LookupForm {
  return {
    name: "",
    kind: "http",
    keyKinds: ["phone"],
    roles: ["operator", "senior"],
    timeoutMs: 3000,
    cacheS: 60,
    enabled: true,
    urlTemplate: "",
    rowsPath: "",
    query: "",
    plugin: "",
    options: "",
    mapping: "",
    url: "",
    headers: "",
  };
}

const lines = (pairs: Record<string, string>, sep: string): string =>
  Object.entries(pairs)
    .map(([k, v]) => `${k}${sep}${v}`)
    .join("\n");

export function parsePairs(text: string, sep: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf(sep);
    if (at <= 0) continue;
    out[line.slice(0, at).trim()] = line.slice(at + sep.length).trim();
  }
  return out;
}

export function formOf(lookup: Lookup): LookupForm {
  return {
    ...emptyForm(),
    name: lookup.name,
    kind: lookup.kind as LookupIn["kind"],
    keyKinds: lookup.key_kinds as KeyKind[],
    roles: lookup.roles as RoleName[],
    timeoutMs: lookup.timeout_ms,
    cacheS: lookup.cache_s,
    enabled: lookup.enabled,
    urlTemplate: lookup.url_template,
    rowsPath: lookup.rows_path,
    query: lookup.query,
    plugin: lookup.plugin,
    options: lines(lookup.options, "="),
    mapping: lines(lookup.mapping, "="),
  };
}

export function requestOf(form: LookupForm): LookupIn {
  return {
    name: form.name,
    kind: form.kind,
    key_kinds: form.keyKinds,
    roles: form.roles,
    timeout_ms: form.timeoutMs,
    cache_s: form.cacheS,
    enabled: form.enabled,
    url_template: form.urlTemplate,
    rows_path: form.rowsPath,
    query: form.query,
    plugin: form.plugin,
    options: parsePairs(form.options, "="),
    mapping: parsePairs(form.mapping, "="),
    url: form.kind === "sql" && form.url.trim() ? form.url.trim() : null,
    headers: form.kind === "http" && form.headers.trim() ? parsePairs(form.headers, ":") : null,
  };
}
