// Every test's mounted components go away with it: a component left mounted keeps its key handlers,
// timers and store subscriptions, which on a slow machine act in the next test.
import { enableAutoUnmount } from "@vue/test-utils";
import { afterEach } from "vitest";

enableAutoUnmount(afterEach);
