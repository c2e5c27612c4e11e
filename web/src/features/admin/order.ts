// Reordering an editor's rows by hand (queue members, script questions).

/** A copy of the rows with one moved by `delta` places; out of range leaves the order as it is. */
export function moveRow<T>(rows: readonly T[], index: number, delta: number): T[] {
  const target = index + delta;
  const next = [...rows];
  if (index < 0 || index >= rows.length || target < 0 || target >= rows.length) return next;
  const [row] = next.splice(index, 1);
  if (row !== undefined) next.splice(target, 0, row);
  return next;
}
