// The phone book's endpoints (docs/contact-center/phone-book.md) and the operator's call history (the
// call journal, which shows an operator their own calls only).
import { api, unwrap } from "@/shared/api/client";
import type { CallRow } from "@/features/journal/model";
import type { Colleague, ColleagueGroup, Contact, ContactInput, ImportReport } from "./model";

export function listContacts(q = ""): Promise<Contact[]> {
  return unwrap(api.GET("/api/v1/phone-book/contacts", { params: { query: q === "" ? {} : { q } } }));
}

export function addContact(body: ContactInput, shared = false): Promise<Contact> {
  return shared
    ? unwrap(api.POST("/api/v1/phone-book/organisation", { body }))
    : unwrap(api.POST("/api/v1/phone-book/contacts", { body }));
}

export function updateContact(id: number, body: ContactInput): Promise<Contact> {
  return unwrap(api.PUT("/api/v1/phone-book/contacts/{contact_id}", { params: { path: { contact_id: id } }, body }));
}

export async function deleteContact(id: number): Promise<void> {
  await unwrap(api.DELETE("/api/v1/phone-book/contacts/{contact_id}", { params: { path: { contact_id: id } } }));
}

export function markFavourite(id: number, favourite: boolean): Promise<Contact> {
  return unwrap(
    api.PUT("/api/v1/phone-book/contacts/{contact_id}/favourite", {
      params: { path: { contact_id: id } },
      body: { favourite },
    }),
  );
}

export function importContacts(text: string): Promise<ImportReport> {
  return unwrap(api.POST("/api/v1/phone-book/organisation/import", { body: { text } }));
}

export function listColleagues(): Promise<{ groups: ColleagueGroup[]; colleagues: Colleague[] }> {
  return unwrap(api.GET("/api/v1/phone-book/colleagues"));
}

/** The newest calls of the reader (an operator's journal is their own calls). */
export async function myCalls(limit = 50): Promise<CallRow[]> {
  const page = await unwrap(api.GET("/api/v1/calls", { params: { query: { limit } as never } }));
  return page.items;
}
