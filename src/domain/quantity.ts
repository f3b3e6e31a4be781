/**
 * Kubernetes resource quantities of storage (`300M`, `1Gi`, `1.5e9`) as byte counts, and byte
 * counts written back as apimachinery wrote a binary-SI quantity, the form pgo 4.2.4 showed. Exact
 * integer arithmetic: storage sums must not drift like floating point would.
 */

const BINARY: Record<string, bigint> = { Ki: 1n, Mi: 2n, Gi: 3n, Ti: 4n, Pi: 5n, Ei: 6n };
const DECIMAL: Record<string, bigint> = { n: -9n, u: -6n, m: -3n, '': 0n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };
const QUANTITY = /^([+-]?)(\d+)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?)|[eE]([+-]?\d+))$/;
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** The byte count of a quantity, rounded up to a whole byte as `Quantity.Value()` does; undefined when it is not a quantity. */
export function quantityBytes(text: string): bigint | undefined {
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const [, sign, whole, fraction = '', binary, decimal, exponent] = m;
  let numerator = BigInt(whole + fraction);
  let denominator = 10n ** BigInt(fraction.length);
  if (binary !== undefined) numerator *= 1024n ** BINARY[binary];
  const power = exponent !== undefined ? BigInt(exponent) : DECIMAL[decimal ?? ''];
  if (power >= 0n) numerator *= 10n ** power;
  else denominator *= 10n ** -power;
  const bytes = (numerator + denominator - 1n) / denominator;
  return sign === '-' ? -bytes : bytes;
}

/** `resource.NewQuantity(bytes, BinarySI).String()`: the largest power-of-1024 suffix that divides exactly. */
export function binaryQuantity(bytes: bigint): string {
  if (bytes > -1024n && bytes < 1024n) return String(bytes);
  let value = bytes;
  let exponent = 0;
  while (value % 1024n === 0n && exponent < BINARY_SUFFIXES.length - 1) {
    value /= 1024n;
    exponent++;
  }
  return `${value}${BINARY_SUFFIXES[exponent]}`;
}
