/**
 * A small XML well-formedness check for the SVG tests (no XML parser among the dependencies):
 * tokenises tags, text and comments, checks nesting, attribute syntax (quoted, no duplicates) and
 * that every '&' starts a known entity. Returns the elements with their attributes.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
}

const NAME = /^[A-Za-z_][\w.:-]*$/;

export function parseXml(xml: string): XmlElement[] {
  const elements: XmlElement[] = [];
  const stack: string[] = [];
  let at = 0, roots = 0;
  const checkText = (text: string) => {
    const bad = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(text);
    if (bad) throw new Error(`bare '&' at ${at}: ${text.slice(bad.index, bad.index + 20)}`);
    if (text.includes('<')) throw new Error(`'<' in text at ${at}`);
  };
  while (at < xml.length) {
    const open = xml.indexOf('<', at);
    if (open < 0) {
      if (xml.slice(at).trim()) throw new Error('text after the root element');
      break;
    }
    const between = xml.slice(at, open);
    if (stack.length === 0 && between.trim()) throw new Error(`text outside the root element at ${at}`);
    checkText(between);
    if (xml.startsWith('<!--', open)) {
      const end = xml.indexOf('-->', open);
      if (end < 0) throw new Error('unclosed comment');
      at = end + 3;
      continue;
    }
    const close = xml.indexOf('>', open);
    if (close < 0) throw new Error(`unclosed tag at ${open}`);
    const tag = xml.slice(open + 1, close);
    at = close + 1;
    if (tag.startsWith('?')) continue; // <?xml …?>
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`</${name}> does not close the open element at ${open}`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^\S+/.exec(body)?.[0] ?? '';
    if (!NAME.test(name)) throw new Error(`bad element name '${name}' at ${open}`);
    const attrs: Record<string, string> = {};
    const rest = body.slice(name.length);
    const attr = /\s+([A-Za-z_][\w.:-]*)="([^"<]*)"/y;
    let pos = 0;
    while (pos < rest.length) {
      attr.lastIndex = pos;
      const m = attr.exec(rest);
      if (!m) {
        if (rest.slice(pos).trim() === '') break;
        throw new Error(`bad attribute syntax in <${name}> at ${open}: '${rest.slice(pos, pos + 30)}'`);
      }
      if (m[1] in attrs) throw new Error(`duplicate attribute ${m[1]} in <${name}>`);
      checkText(m[2]);
      attrs[m[1]] = m[2];
      pos = attr.lastIndex;
    }
    if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
    elements.push({ name, attrs });
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error('no root element');
  return elements;
}
