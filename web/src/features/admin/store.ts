import { defineStore } from "pinia";
import { ref } from "vue";
import { adminApi } from "@/features/admin/api";
import type { Group, Service } from "@/shared/api/types";

// Enough for any regional hotline's services and groups in one select list.
const LOOKUP_LIMIT = 500;

/** Services and groups as lookup lists for admin selects and table labels. */
export const useOrgStore = defineStore("org", () => {
  const services = ref<Service[]>([]);
  const groups = ref<Group[]>([]);

  async function refresh(): Promise<void> {
    const [s, g] = await Promise.all([
      adminApi("services").list({ limit: LOOKUP_LIMIT }),
      adminApi("groups").list({ limit: LOOKUP_LIMIT }),
    ]);
    services.value = s.items;
    groups.value = g.items;
  }

  function serviceName(id: unknown): string {
    return services.value.find((s) => s.id === id)?.name ?? (id === null ? "" : String(id));
  }

  function groupName(id: unknown): string {
    return groups.value.find((g) => g.id === id)?.name ?? (id === null ? "" : String(id));
  }

  return { services, groups, refresh, serviceName, groupName };
});
