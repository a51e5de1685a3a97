/**
 * The API counts text length in characters, meaning Unicode code points: an emoji is one character
 * though its `length` (UTF-16 code units) is 2. One counter for every check against those limits.
 */
export function codePointCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
