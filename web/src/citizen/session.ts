// The device's token, kept on the phone: shown once by the server, so it lives in localStorage.
const KEY = "c122.citizen.device";

export interface DeviceSession {
  deviceId: number;
  token: string;
  phone: string;
}

export function loadSession(): DeviceSession | null {
  const raw = localStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as DeviceSession;
  } catch {
    return null;
  }
}

export function saveSession(session: DeviceSession): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}
