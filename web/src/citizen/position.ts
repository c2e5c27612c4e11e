// Where the phone is, as the citizen API takes it: the Geolocation API's reading, or nothing when the
// phone has none, the citizen refused, or it takes too long.
import type { HotlineCallLocation } from "@/features/citizen_call";

export interface PhoneLocation {
  latitude: number;
  longitude: number;
  accuracy_m: number;
  measured_at: string;
}

export function locationOf(position: GeolocationPosition): PhoneLocation {
  return {
    latitude: position.coords.latitude,
    longitude: position.coords.longitude,
    accuracy_m: Math.round(position.coords.accuracy),
    // A phone's clock may run ahead of its fix: never a measurement from the future.
    measured_at: new Date(Math.min(position.timestamp, Date.now())).toISOString(),
  };
}

export function currentLocation(timeoutMs: number): Promise<HotlineCallLocation | null> {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) {
      resolve(null);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve(locationOf(position)),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: timeoutMs },
    );
  });
}
