// A card's SMS as the card shows them, and how many SMS a text takes on the air (the server's rule,
// domain/sms.py, repeated so the operator sees the count while typing).
import type { components } from "@/shared/api/schema";

export type Sms = components["schemas"]["SmsOut"];
export type SmsState = Sms["state"];

export const MAX_PARTS = 10;
const GSM7 =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION = "^{}\\[~]|€\f";

/** SMS parts: 160 / 153 septets in the GSM alphabet, otherwise 70 / 67 UTF-16 units (UCS-2). */
export function partsOf(text: string): number {
  const chars = [...text];
  const gsm = chars.every((ch) => GSM7.includes(ch) || GSM7_EXTENSION.includes(ch));
  const units = gsm ? chars.reduce((n, ch) => n + (GSM7_EXTENSION.includes(ch) ? 2 : 1), 0) : text.length;
  const [single, joined] = gsm ? [160, 153] : [70, 67];
  if (units === 0) return 0;
  return units <= single ? 1 : Math.ceil(units / joined);
}

/** The list with this message in its place (by id), oldest first. */
export function withSms(list: readonly Sms[], next: Sms): Sms[] {
  return [...list.filter((s) => s.id !== next.id), next].sort((a, b) => a.id - b.id);
}
