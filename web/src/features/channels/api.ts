// The text channels' administration through the app's generated client.
import { api, unwrap } from "@/shared/api/client";
import type { ChannelName, ChannelSetting, Channels } from "./model";

export function getChannels(): Promise<Channels> {
  return unwrap(api.GET("/api/v1/channels"));
}

export function saveChannel(channel: ChannelName, flowName: string | null, queueId: number | null): Promise<ChannelSetting> {
  return unwrap(
    api.PUT("/api/v1/channels/{channel}", { params: { path: { channel } }, body: { flow_name: flowName, queue_id: queueId } }),
  );
}

export async function testSms(to: string, text: string): Promise<void> {
  await unwrap(api.POST("/api/v1/channels/sms/test", { body: { to, text } }));
}

export async function testMessenger(to: string, text: string): Promise<void> {
  await unwrap(api.POST("/api/v1/channels/messenger/test", { body: { to, text } }));
}
