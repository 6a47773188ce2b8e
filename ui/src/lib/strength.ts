// A passphrase strength estimate for the meter: bits from length and character classes, minus repetitions.
export function strength(p: string): { score: 0 | 1 | 2 | 3 | 4; bits: number } {
  if (!p) return { score: 0, bits: 0 };
  let pool = 0;
  if (/[a-z]/.test(p)) pool += 26;
  if (/[A-Z]/.test(p)) pool += 26;
  if (/[0-9]/.test(p)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(p)) pool += 33;
  const distinct = new Set(p).size;
  const effective = Math.min(p.length, distinct * 2);
  const bits = Math.round(effective * Math.log2(Math.max(pool, 2)));
  const score = bits < 40 ? 0 : bits < 60 ? 1 : bits < 80 ? 2 : bits < 100 ? 3 : 4;
  return { score, bits };
}
