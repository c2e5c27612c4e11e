// The type icon in the card list, by the case type's icon code (CaseTypeIcon on the server): SVG
// components of the one icon set, so they render without an emoji font.
import {
  Ambulance,
  CalendarDays,
  FileText,
  House,
  Info,
  MessageCircle,
  Syringe,
  TriangleAlert,
  type LucideIcon,
} from "lucide-vue-next";
import type { components } from "@/shared/api/schema";

export type CaseTypeIcon = components["schemas"]["CaseTypeIcon"];

export const TYPE_ICONS: Readonly<Record<CaseTypeIcon, LucideIcon>> = {
  info: Info,
  vaccine: Syringe,
  doctor_home: House,
  appointment: CalendarDays,
  psychology: MessageCircle,
  complaint: TriangleAlert,
  emergency: Ambulance,
  other: FileText,
};

export function typeIcon(code: string): LucideIcon {
  return Object.hasOwn(TYPE_ICONS, code) ? TYPE_ICONS[code as CaseTypeIcon] : TYPE_ICONS.other;
}
