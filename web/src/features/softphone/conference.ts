// The softphone's conference of up to five (TEL-21, seed 4.3.8 «Текущая аудиоконференция»): its
// parties from `conference.changed`, who is talking from `conference.levels`, and the organiser's
// controls (invite, mute, remove, leave, end for all); started from the call in progress or, with none,
// with its first invitee.
import { defineStore } from "pinia";
import { computed, ref } from "vue";

import { api, unwrap } from "@/shared/api/client";
import type { ApiError } from "@/shared/api/errors";
import type { components } from "@/shared/api/schema";
import type { ConferenceChangedData, ConferenceLevelsData } from "@/shared/events/protocol";
import type { CallEvent } from "@/shared/realtime/dispatch";
import { useRealtimeStore } from "@/shared/realtime/store";

export type ConferenceView = components["schemas"]["ConferenceOut"];
export type ConferenceParty = ConferenceView["parties"][number];
export type Invitation = components["schemas"]["ConferenceInviteIn"];

/** The conference after one event: an ended one is gone; levels of another call change nothing. */
export function applyConference(current: ConferenceView | null, data: ConferenceChangedData): ConferenceView | null {
  if (data.state === "ended") return current?.call_id === data.call_id ? null : current;
  const { user_id: _user, ...view } = data;
  return view;
}

export function applyLevels(
  current: ConferenceView | null,
  levels: Record<string, number>,
  data: ConferenceLevelsData,
): Record<string, number> {
  return current !== null && current.call_id === data.call_id ? data.levels : levels;
}

export const useConferenceStore = defineStore("conference", () => {
  const realtime = useRealtimeStore();
  const conference = ref<ConferenceView | null>(null);
  /** party id: 0..10, steps of 6 dB from -60 dBFS */
  const levels = ref<Record<string, number>>({});
  const talking = ref<string[]>([]);
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  let stop: (() => void) | null = null;

  const full = computed(() => conference.value !== null && conference.value.parties.length >= conference.value.max_parties);

  function follow(): void {
    stop ??= realtime.onCall((event: CallEvent) => {
      if (event.type === "conference.changed") {
        conference.value = applyConference(conference.value, event.data);
        if (conference.value === null) levels.value = {};
      } else if (event.type === "conference.levels") {
        levels.value = applyLevels(conference.value, levels.value, event.data);
        talking.value = conference.value?.call_id === event.data.call_id ? event.data.talking : talking.value;
      }
    });
  }

  async function run(action: () => Promise<void>): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      await action();
      return true;
    } catch (e) {
      error.value = e as ApiError;
      return false;
    } finally {
      busy.value = false;
    }
  }

  const base = "/api/v1/operators/me/conference";
  return {
    conference,
    levels,
    talking,
    busy,
    error,
    full,
    follow,
    /** A desk that reloads finds the conference it takes part in. */
    load: () => run(async () => {
      conference.value = await unwrap(api.GET(base));
    }),
    start: () => run(async () => {
      await unwrap(api.POST(base));
    }),
    /** With no call in progress: a conference of the operator and the first invitee. */
    create: (first: Invitation) => run(async () => {
      await unwrap(api.POST(base, { body: first }));
    }),
    invite: (target: Invitation) => run(async () => {
      await unwrap(api.POST(`${base}/parties`, { body: target }));
    }),
    mute: (party: string, muted: boolean) => run(async () => {
      await unwrap(api.PATCH(`${base}/parties/{party_id}`, { params: { path: { party_id: party } }, body: { muted } }));
    }),
    remove: (party: string) => run(async () => {
      await unwrap(api.DELETE(`${base}/parties/{party_id}`, { params: { path: { party_id: party } } }));
    }),
    leave: () => run(async () => {
      await unwrap(api.POST(`${base}/leave`));
    }),
    end: () => run(async () => {
      await unwrap(api.POST(`${base}/end`));
    }),
  };
});
