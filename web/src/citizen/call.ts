/**
 * «Позвонить на линию»: the voice call from the app over WebRTC is a module of its own (the call
 * feature). It plugs in here with `provideCall`; until then the button says the call is not available.
 */
export type CallStarter = (context: { caseId: number | null }) => Promise<void>;

let starter: CallStarter | null = null;

export function provideCall(start: CallStarter): void {
  starter = start;
}

export function callAvailable(): boolean {
  return starter !== null;
}

export async function callLine(caseId: number | null): Promise<void> {
  if (starter) await starter({ caseId });
}
