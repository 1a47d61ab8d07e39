/**
 * The allow-list sanitiser of note bodies (P-CRM-9), with a plain-text rendering.
 *
 * Why our own: the maintained library (sanitize-html 2.18) needs Node 22, and a small
 * tokenizer is enough here because safety comes from the writer, not the reader. The input
 * is cut into tags and text as an HTML parser would; the output is written fresh from a
 * fixed list of tags with no attributes but a checked `href`, and every piece of text and
 * every attribute value is escaped. Whatever the tokenizer makes of a malformed input, the
 * browser can only read back the tags we wrote.
 */

const ALLOWED = new Set([
  'p',
  'br',
  'strong',
  'em',
  'u',
  's',
  'ul',
  'ol',
  'li',
  'a',
  'blockquote',
  'code',
  'pre',
  'h2',
  'h3',
  'h4',
]);
/** Common spellings mapped onto the allowed tags. */
const ALIASES: Record<string, string> = { b: 'strong', i: 'em', strike: 's', del: 's', h1: 'h2', h5: 'h4', h6: 'h4' };
/** Dropped with everything inside them. */
const DROP_WITH_CONTENT = new Set([
  'script',
  'style',
  'template',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'noscript',
  'noembed',
  'noframes',
  'textarea',
  'title',
  'xmp',
  'select',
  'head',
  'frameset',
  'plaintext',
]);
/** Elements whose content the tokenizer must not read as markup. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
const VOID = new Set([
  'br',
  'hr',
  'img',
  'input',
  'meta',
  'link',
  'area',
  'base',
  'col',
  'embed',
  'source',
  'wbr',
  'track',
  'param',
]);
/** Opening one of these closes an open <p> or heading, as in HTML. */
const BLOCK = new Set(['p', 'ul', 'ol', 'blockquote', 'pre', 'h2', 'h3', 'h4']);
/** Dropped tags that still separate lines in the plain text. */
const BREAKING = new Set(['div', 'section', 'article', 'header', 'footer', 'tr', 'table', 'hr', 'dl', 'dt', 'dd']);
const MAX_DEPTH = 40;

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  shy: '',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  laquo: '«',
  raquo: '»',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  middot: '·',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  aelig: 'æ',
  AElig: 'Æ',
  oslash: 'ø',
  Oslash: 'Ø',
  aring: 'å',
  Aring: 'Å',
  auml: 'ä',
  Auml: 'Ä',
  ouml: 'ö',
  Ouml: 'Ö',
  uuml: 'ü',
  Uuml: 'Ü',
  eacute: 'é',
  Eacute: 'É',
  tab: '\t',
  newline: '\n',
  colon: ':',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);?/gi, (m, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    const v = NAMED[body];
    return v === undefined ? m : v;
  });
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

/** http, https and mailto only; anything else (javascript:, data:, relative, malformed) is refused. */
export function safeHref(raw: string): string | null {
  // Browsers ignore tabs, newlines and leading control characters in a URL: so do we, before judging it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const cleaned = decodeEntities(raw).replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(cleaned);
  if (!m) return null;
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme === 'mailto') return cleaned.length > 7 && cleaned.length <= 2000 ? `mailto:${cleaned.slice(7)}` : null;
  if (scheme !== 'http' && scheme !== 'https') return null;
  try {
    const url = new URL(cleaned);
    if (!url.hostname) return null;
    return url.href.length <= 2000 ? url.href : null;
  } catch {
    return null;
  }
}

type Token =
  | { type: 'text'; text: string }
  | { type: 'start'; name: string; attrs: Record<string, string>; selfClosing: boolean }
  | { type: 'end'; name: string };

/** Cuts HTML into start tags, end tags and text (comments, doctypes and processing instructions go). */
function* tokenize(html: string): Generator<Token> {
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      yield { type: 'text', text: decodeEntities(html.slice(i)) };
      return;
    }
    if (lt > i) yield { type: 'text', text: decodeEntities(html.slice(i, lt)) };
    i = lt;
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    const next = html[i + 1] ?? '';
    if (next === '!' || next === '?') {
      const end = html.indexOf('>', i + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const isEnd = next === '/';
    const nameStart = isEnd ? i + 2 : i + 1;
    if (!/[a-z]/i.test(html[nameStart] ?? '')) {
      if (isEnd) {
        // "</>" or "</ 3": a bogus comment for a browser; dropped.
        const end = html.indexOf('>', i + 2);
        i = end < 0 ? n : end + 1;
        continue;
      }
      yield { type: 'text', text: '<' };
      i += 1;
      continue;
    }
    let j = nameStart;
    while (j < n && !/[\s/>]/.test(html[j] ?? '')) j++;
    const name = html.slice(nameStart, j).toLowerCase();
    const attrs: Record<string, string> = {};
    let selfClosing = false;
    // Attributes: name[=value], value quoted or not; the tag ends at the first '>' outside quotes.
    while (j < n) {
      while (j < n && /[\s/]/.test(html[j] ?? '')) {
        if (html[j] === '/') selfClosing = true;
        j++;
      }
      if (j >= n || html[j] === '>') break;
      selfClosing = false;
      let k = j;
      while (k < n && !/[\s/>=]/.test(html[k] ?? '')) k++;
      if (k === j) k = j + 1; // a lone '=' : skip it
      const attrName = html.slice(j, k).toLowerCase();
      j = k;
      while (j < n && /\s/.test(html[j] ?? '')) j++;
      let value = '';
      if (html[j] === '=') {
        j++;
        while (j < n && /\s/.test(html[j] ?? '')) j++;
        const q = html[j];
        if (q === '"' || q === "'") {
          const end = html.indexOf(q, j + 1);
          value = html.slice(j + 1, end < 0 ? n : end);
          j = end < 0 ? n : end + 1;
        } else {
          let e = j;
          while (e < n && !/[\s>]/.test(html[e] ?? '')) e++;
          value = html.slice(j, e);
          j = e;
        }
      }
      if (!(attrName in attrs)) attrs[attrName] = value;
    }
    i = j < n ? j + 1 : n;
    if (isEnd) {
      yield { type: 'end', name };
      continue;
    }
    yield { type: 'start', name, attrs, selfClosing };
    if (RAW_TEXT.has(name)) {
      // Its content is text to a browser, never markup: skip to its end tag.
      const close = html.toLowerCase().indexOf(`</${name}`, i);
      i = close < 0 ? n : close;
    }
  }
}

export type SanitisedNote = { html: string; text: string };

/**
 * The sanitised HTML of `input` and its plain text. Allowed tags keep no attribute but an
 * a's checked href (with rel="noopener nofollow"); disallowed tags go, their text stays,
 * except for script, style and the like, which go with their content.
 */
export function sanitiseNoteHtml(input: string): SanitisedNote {
  const out: string[] = [];
  const text: string[] = [];
  const stack: string[] = [];
  let dropDepth = 0;
  let dropName = '';
  let inPre = 0;

  const breakLine = () => {
    text.push('\n');
  };
  const close = (name: string) => {
    out.push(`</${name}>`);
    if (name === 'pre') inPre--;
    if (BLOCK.has(name) || name === 'li') breakLine();
  };
  const closeTo = (index: number) => {
    while (stack.length > index) close(stack.pop() as string);
  };

  for (const tok of tokenize(input)) {
    if (dropDepth > 0) {
      if (tok.type === 'start' && tok.name === dropName && !tok.selfClosing && !VOID.has(tok.name)) dropDepth++;
      if (tok.type === 'end' && tok.name === dropName) dropDepth--;
      continue;
    }
    if (tok.type === 'text') {
      out.push(escapeText(tok.text));
      text.push(inPre > 0 ? tok.text : tok.text.replace(/\s+/g, ' '));
      continue;
    }
    const name = ALIASES[tok.name] ?? tok.name;
    if (tok.type === 'end') {
      if (BREAKING.has(name)) breakLine();
      const at = stack.lastIndexOf(name);
      if (at >= 0) closeTo(at);
      continue;
    }
    if (DROP_WITH_CONTENT.has(name)) {
      if (!tok.selfClosing && !RAW_TEXT.has(name)) {
        dropDepth = 1;
        dropName = name;
      }
      continue;
    }
    if (BREAKING.has(name)) breakLine();
    if (!ALLOWED.has(name)) continue;
    if (name === 'br') {
      out.push('<br>');
      breakLine();
      continue;
    }
    if (stack.length >= MAX_DEPTH) continue;
    if (BLOCK.has(name)) {
      // A block closes an open paragraph or heading (and never nests inside one).
      const top = stack.at(-1);
      if (top === 'p' || top === 'h2' || top === 'h3' || top === 'h4') closeTo(stack.length - 1);
    }
    if (name === 'li') {
      const list = Math.max(stack.lastIndexOf('ul'), stack.lastIndexOf('ol'));
      if (list < 0) {
        breakLine();
        continue; // an item outside a list: its text only
      }
      const openLi = stack.lastIndexOf('li');
      if (openLi > list) closeTo(openLi);
      out.push('<li>');
      text.push('- ');
      stack.push('li');
      continue;
    }
    if (name === 'a') {
      if (stack.includes('a')) closeTo(stack.lastIndexOf('a')); // no link inside a link
      const href = safeHref(tok.attrs.href ?? '');
      if (!href) continue; // the link goes, its text stays
      out.push(`<a href="${escapeAttr(href)}" rel="noopener nofollow">`);
      stack.push('a');
      continue;
    }
    if (tok.selfClosing) continue; // "<p/>" opens nothing worth keeping
    out.push(`<${name}>`);
    if (name === 'pre') inPre++;
    if (BLOCK.has(name)) breakLine();
    stack.push(name);
  }
  closeTo(0);

  const plain = text
    .join('')
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+$/g, '').replace(/^[ \u00a0]+/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { html: out.join(''), text: plain };
}
