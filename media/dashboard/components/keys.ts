// Keys for Lit's `repeat()`: a view keeps its DOM (and the keyboard focus in it) across models.

/**
 * Keys for `repeat()`, which needs them unique: a second equal key (the same error twice) gets
 * `#2`, so it is still its own row.
 */
export function uniqueKeyed<T>(items: readonly T[], key: (item: T) => string): Array<[string, T]> {
  const seen = new Set<string>();
  return items.map((item) => {
    let k = key(item);
    for (let n = 2; seen.has(k); n++) k = `${key(item)}#${n}`;
    seen.add(k);
    return [k, item];
  });
}
