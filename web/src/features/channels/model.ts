// The text channels as the admin screen shows them (docs/channels/bot.md).
import type { components } from "@/shared/api/schema";

export type Channels = components["schemas"]["ChannelsOut"];
export type ChannelSetting = components["schemas"]["ChannelSettingOut"];
export type ChannelName = ChannelSetting["channel"];

export const CHANNELS: readonly ChannelName[] = ["app", "messenger", "sms"];

/** The outbound SMS per state in the order a message goes through them. */
export const SMS_STATES = ["queued", "sent", "delivered", "failed"] as const;
