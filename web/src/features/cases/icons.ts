// The type icon in the card list, by the case type's icon code (CaseTypeIcon on the server).
const ICONS: Record<string, string> = {
  info: "ℹ️",
  vaccine: "💉",
  doctor_home: "🏠",
  appointment: "📅",
  psychology: "💬",
  complaint: "⚠️",
  emergency: "🚑",
  other: "📄",
};

export function typeIcon(code: string): string {
  return ICONS[code] ?? ICONS.other ?? "";
}
