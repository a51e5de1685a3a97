/**
 * "did you mean `apiKey`?" for an unknown option name: the closest known name under a loose
 * comparison (case, `_` and `-` ignored; one or two typos; a known name that ends or starts with
 * the given one, as `key` in `apiKey`), or nothing when no name is close.
 */

const normal = (name: string): string => name.toLowerCase().replace(/[-_\s]/g, "");

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

function closeness(given: string, known: string): number | undefined {
  if (given === known) return 0;
  const distance = editDistance(given, known);
  if (distance <= Math.max(1, Math.floor(known.length / 4))) return distance;
  // A fragment of the name (`key`, `token`): further than a typo, but still the likely intent.
  if (given.length >= 3 && (known.endsWith(given) || known.startsWith(given))) return 10 + known.length - given.length;
  return undefined;
}

export function suggestOption(given: string, known: Iterable<string>): string | undefined {
  const target = normal(given);
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const score = closeness(target, normal(name));
    if (score !== undefined && (best === undefined || score < best.score)) best = { name, score };
  }
  return best?.name;
}
