// The icon of each node kind, shared by the palette and the canvas.
import {
  Clock,
  Hash,
  ListOrdered,
  PhoneIncoming,
  PhoneForwarded,
  PhoneOff,
  Tag,
  Users,
  Volume2,
} from "lucide-vue-next";
import type { Component } from "vue";
import type { NodeKind } from "@/features/ivr/graph";

export const KIND_ICONS: Record<NodeKind, Component> = {
  play: Volume2,
  menu: ListOrdered,
  collect: Hash,
  schedule: Clock,
  set_case_type: Tag,
  enqueue: Users,
  transfer: PhoneForwarded,
  hang_up: PhoneOff,
  callback_offer: PhoneIncoming,
};
