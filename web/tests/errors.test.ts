import { describe, expect, it } from "vitest";
import { csrfMiddleware, readCookie } from "@/shared/api/csrf";
import { ApiError, parseRetryAfter, toApiError } from "@/shared/api/errors";
import { loginProblem } from "@/features/auth/model";

function response(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers });
}

describe("API error envelope", () => {
  it("reads code, message and per-field errors", () => {
    const error = toApiError(response(422), {
      code: "validation_error",
      message: "invalid",
      fields: [{ path: "number", code: "phone", message: "not a phone number" }, { bogus: 1 }],
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.code).toBe("validation_error");
    expect(error.fields).toEqual([{ path: "number", code: "phone", message: "not a phone number" }]);
  });

  it("falls back to the HTTP status when the body is not the envelope", () => {
    const error = toApiError(new Response(null, { status: 502, statusText: "Bad Gateway" }), "<html>");
    expect(error.code).toBe("http_502");
    expect(error.message).toBe("Bad Gateway");
  });

  it("takes Retry-After from the header before the body", () => {
    expect(toApiError(response(429, { "Retry-After": "30" }), { code: "too_many_attempts", retry_after: 99 }).retryAfter).toBe(30);
    expect(toApiError(response(429), { code: "too_many_attempts", message: "", retry_after: 99 }).retryAfter).toBe(99);
  });

  it("understands Retry-After as seconds and as an HTTP date", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Wed, 25 Nov 2026 10:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("login error messages", () => {
  const now = Date.parse("2026-11-25T10:00:00Z");

  it("wrong credentials", () => {
    expect(loginProblem(new ApiError(401, "invalid_credentials", ""), "ru", now).key).toBe("auth.errors.invalid_credentials");
  });

  it("account disabled", () => {
    expect(loginProblem(new ApiError(403, "account_disabled", ""), "ru", now).key).toBe("auth.errors.account_disabled");
  });

  it("too many attempts says when to retry", () => {
    const problem = loginProblem(new ApiError(429, "too_many_attempts", "", [], 90), "en-GB", now);
    expect(problem.key).toBe("auth.errors.too_many_attempts");
    expect(problem.retryAt).toBe(now + 90_000);
    expect(problem.params.time).toBe(new Date(now + 90_000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" }));
  });

  it("a database that does not answer is named, not shown as a raw message", () => {
    const problem = loginProblem(new ApiError(503, "database_unavailable", "the database does not answer", [], 5), "ru", now);
    expect(problem.key).toBe("auth.errors.database_unavailable");
  });

  it("a failed fetch is a network problem", () => {
    expect(loginProblem(new TypeError("Failed to fetch"), "ru", now).key).toBe("auth.errors.network");
  });
});

describe("CSRF header", () => {
  const middleware = csrfMiddleware(() => "other=1; c122_csrf=tok%3D42; x=y");
  const run = async (method: string, path: string): Promise<Request> => {
    const request = new Request(`http://h${path}`, { method });
    const onRequest = middleware.onRequest;
    if (onRequest === undefined) throw new Error("no onRequest");
    const result = await onRequest({ request, schemaPath: path, params: {}, id: "1", options: {} as never });
    return result instanceof Request ? result : request;
  };

  it("reads the cookie value", () => {
    expect(readCookie("a=1; c122_csrf=abc", "c122_csrf")).toBe("abc");
    expect(readCookie("a=1", "c122_csrf")).toBeNull();
  });

  it("is sent on unsafe methods", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect((await run(method, "/api/v1/admin/services")).headers.get("X-CSRF-Token")).toBe("tok=42");
    }
  });

  it("is not sent on GET or on login", async () => {
    expect((await run("GET", "/api/v1/me")).headers.get("X-CSRF-Token")).toBeNull();
    expect((await run("POST", "/api/v1/auth/login")).headers.get("X-CSRF-Token")).toBeNull();
  });
});
