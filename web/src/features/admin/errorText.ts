// How the admin screens word a failed request.
import { useI18n } from "vue-i18n";
import { ApiError } from "@/shared/api/errors";

export function useErrorText(): (error: unknown) => string {
  const { t, te } = useI18n();
  return (error) => {
    if (!(error instanceof ApiError)) return t("auth.errors.network");
    const key = `errors.${error.code}`;
    const known = te(key);
    // A conflict's own message names the reason (what still refers to the record): show it.
    if (error.status === 409 && error.message) return known ? `${t(key)}: ${error.message}` : error.message;
    if (known) return t(key);
    return t("errors.generic", { message: error.message || error.code });
  };
}
