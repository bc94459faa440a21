/** C++ literal formatting for the weight header. */
import type { WeightArray } from './pack.js';

/** The shortest decimal that reads back as the same float32, as a C++ float literal ("0.125f", "-3e-05f"). */
export function floatLiteral(value: number): string {
  const x = Math.fround(value);
  if (!Number.isFinite(x)) throw new RangeError(`floatLiteral: ${value} is not finite`);
  if (Object.is(x, -0)) return '-0.0f';
  if (x === 0) return '0.0f';
  let text = x.toPrecision(9);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = x.toPrecision(digits);
    if (Math.fround(Number(candidate)) === x) {
      text = candidate;
      break;
    }
  }
  // toPrecision may give "1.50000000e-7" style or plain; normalise to a compact C literal.
  let [mantissa, exponent] = text.split('e');
  if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '.0');
  else mantissa += '.0';
  return exponent === undefined ? `${mantissa}f` : `${mantissa}e${Number(exponent)}f`;
}

const PER_LINE = 8;

/** `alignas(16) constexpr float name[n] = {...};` with a comment line. */
export function arrayDefinition(a: WeightArray): string {
  const cType = a.type === 'float' ? 'float' : 'int8_t';
  const items = Array.from(a.values, (v) => (a.type === 'float' ? floatLiteral(v) : String(v)));
  const lines: string[] = [];
  for (let k = 0; k < items.length; k += PER_LINE) lines.push(`    ${items.slice(k, k + PER_LINE).join(', ')},`);
  return `// ${a.comment}\nalignas(16) constexpr ${cType} ${a.name}[${a.values.length}] = {\n${lines.join('\n')}\n};\n`;
}
