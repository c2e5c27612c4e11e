import { createI18n } from "vue-i18n";
import { en } from "./en";
import { ru, type Messages } from "./ru";

export type Locale = "ru" | "en";
export const LOCALES: readonly Locale[] = ["ru", "en"];
const STORAGE_KEY = "c122.locale";

function savedLocale(): Locale {
  const stored = typeof localStorage === "undefined" ? null : localStorage.getItem(STORAGE_KEY);
  return stored === "en" ? "en" : "ru";
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: "ru",
  messages: { ru, en },
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}
