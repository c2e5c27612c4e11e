// The server's error envelope, checked at run time: error bodies are not trusted to match any
// generated type (proxies and crashes produce other shapes).

export interface FieldError {
  path: string;
  code: string;
  message: string;
  /** The graph node the problem is in (an IVR flow's node id), when the server names one. */
  node?: string;
  /** The limits the request check names (`min_length`, `ge`…), for wording it in the UI's language. */
  params?: Record<string, string | number>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    /** Seconds to wait before retrying (429), from Retry-After or the body. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scalarParams(record: Record<string, unknown>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, string | number] =>
      typeof entry[1] === "string" || typeof entry[1] === "number",
    ),
  );
}

function parseFields(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) =>
    isRecord(item) && typeof item.path === "string"
      ? [
          {
            path: item.path,
            code: typeof item.code === "string" ? item.code : "invalid",
            message: typeof item.message === "string" ? item.message : "",
            ...(typeof item.node === "string" ? { node: item.node } : {}),
            ...(isRecord(item.params) ? { params: scalarParams(item.params) } : {}),
          },
        ]
      : [],
  );
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export function toApiError(response: Response, body: unknown): ApiError {
  const record = isRecord(body) ? body : {};
  const code = typeof record.code === "string" ? record.code : `http_${response.status}`;
  const message = typeof record.message === "string" ? record.message : response.statusText;
  let retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
  if (retryAfter === null && typeof record.retry_after === "number") {
    retryAfter = record.retry_after;
  }
  return new ApiError(response.status, code, message, parseFields(record.fields), retryAfter);
}
