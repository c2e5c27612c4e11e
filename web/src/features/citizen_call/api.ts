// The citizen API's call endpoints (/api/citizen/v1/calls), with plain fetch: this module is shared
// with the citizen app, which has its own router and stores (docs/channels/citizen-api.md).

export const CALLS_PATH = "/api/citizen/v1/calls";

export interface HotlineCallLocation {
  latitude: number;
  longitude: number;
  /** Radius of the 68% circle, metres (GeolocationCoordinates.accuracy). */
  accuracy_m?: number | null;
  /** When the device measured it, ISO 8601 with its offset. */
  measured_at?: string | null;
}

export interface IceServerInfo {
  urls: string[];
  username?: string | null;
  credential?: string | null;
}

export interface CallOffer {
  call_id: string;
  sdp: string;
  ice_servers: IceServerInfo[];
}

export type ServerCallState = "connecting" | "connected" | "ended";

/** Where a connected call is in the line's flow. */
export type LineStage = "menu" | "queue" | "operator";

export interface CallStatus {
  call_id: string;
  state: ServerCallState;
  cause?: string | null;
  stage?: LineStage | null;
  queue_position?: number | null;
  estimated_wait_s?: number | null;
}

/** A refusal of the server: its stable code (not_authenticated, too_many_attempts, bad_sdp...). */
export class CallRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "CallRefused";
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export class CallsApi {
  constructor(
    private readonly token: string,
    private readonly baseUrl: string = "",
    private readonly fetcher: Fetch = (input, init) => fetch(input, init),
  ) {}

  place(location: HotlineCallLocation | null): Promise<CallOffer> {
    return this.request<CallOffer>("POST", "", { location });
  }

  answer(callId: string, sdp: string): Promise<CallStatus> {
    return this.request<CallStatus>("POST", `/${encodeURIComponent(callId)}/answer`, { sdp });
  }

  status(callId: string): Promise<CallStatus> {
    return this.request<CallStatus>("GET", `/${encodeURIComponent(callId)}`);
  }

  digits(callId: string, digits: string): Promise<CallStatus> {
    return this.request<CallStatus>("POST", `/${encodeURIComponent(callId)}/dtmf`, { digits });
  }

  hangUp(callId: string): Promise<CallStatus> {
    return this.request<CallStatus>("DELETE", `/${encodeURIComponent(callId)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await this.fetcher(this.baseUrl + CALLS_PATH + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data: unknown = await response.json().catch(() => null);
    if (!response.ok) throw refusal(response, data);
    return data as T;
  }
}

function refusal(response: Response, data: unknown): CallRefused {
  const body = (data ?? {}) as { code?: unknown; message?: unknown };
  const retry = Number(response.headers.get("Retry-After"));
  return new CallRefused(
    response.status,
    typeof body.code === "string" ? body.code : `http_${response.status}`,
    typeof body.message === "string" ? body.message : response.statusText,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}
