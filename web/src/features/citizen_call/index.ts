// The voice call to the hotline from the citizen app (docs/channels/citizen-api.md).
export { startHotlineCall } from "./hotlineCall";
export type {
  HotlineCall,
  HotlineCallEnd,
  HotlineCallOptions,
  HotlineCallProgress,
  HotlineCallState,
  ProgressListener,
  StateListener,
} from "./hotlineCall";
export { CallRefused, type HotlineCallLocation } from "./api";
