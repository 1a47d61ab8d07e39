import { describe, expect, it } from 'vitest';
import { safeHref, sanitiseNoteHtml } from './note-html.sanitiser.ts';

const html = (s: string) => sanitiseNoteHtml(s).html;

describe('note sanitiser (allow-list)', () => {
  it('[P-CRM-9] keeps the allowed formatting and writes a plain-text rendering', () => {
    const r = sanitiseNoteHtml(
      '<h2>Call</h2><p>Hello <b>Kari</b> &amp; <i>Ola</i>, <u>u</u> <s>s</s> <code>c</code></p><ul><li>one<li>two</ul><ol><li>x</li></ol><blockquote>q</blockquote><pre>  a\n  b</pre>',
    );
    expect(r.html).toBe(
      '<h2>Call</h2><p>Hello <strong>Kari</strong> &amp; <em>Ola</em>, <u>u</u> <s>s</s> <code>c</code></p><ul><li>one</li><li>two</li></ul><ol><li>x</li></ol><blockquote>q</blockquote><pre>  a\n  b</pre>',
    );
    expect(r.text).toBe('Call\n\nHello Kari & Ola, u s c\n\n- one\n- two\n\n- x\n\nq\n\na\nb');
  });

  it('drops scripts, styles, event handlers and embedded documents with their content', () => {
    expect(html('<script>alert(1)</script><p onclick="x()" style="color:red" class="c" id="i">hi</p>')).toBe(
      '<p>hi</p>',
    );
    expect(html('<style>p{}</style><img src=x onerror=alert(1)>ok')).toBe('ok');
    expect(html('<iframe src="https://evil.example"></iframe><object data="x"></object>end')).toBe('end');
    expect(html('<svg><script>alert(1)</script><p>in svg</p></svg>after')).toBe('after');
    expect(html('<svg/onload=alert(1)>gone')).toBe('');
    expect(html('<math><mi xlink:href="javascript:alert(1)">x</mi></math>m')).toBe('m');
    expect(html('<template><p>t</p></template><textarea><p>x</p></textarea>z')).toBe('z');
    expect(html('<!-- <script>x</script> -->text')).toBe('text');
  });

  it('refuses javascript:, data:, vbscript: and relative links; keeps http, https and mailto with rel', () => {
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java\nscript:alert(1)',
      ' \tjavascript:alert(1)',
      '&#106;avascript:alert(1)',
      'jav&#x09;ascript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      '/relative/path',
      '//evil.example/x',
      'https://',
    ]) {
      expect(html(`<a href="${bad}">x</a>`), bad).toBe('x');
      expect(safeHref(bad), bad).toBeNull();
    }
    expect(html('<a href="https://example.com/a?b=1&amp;c=2" target="_blank" onmouseover="x()">link</a>')).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow">link</a>',
    );
    expect(html('<a href="mailto:kari@example.no" rel="opener">mail</a>')).toBe(
      '<a href="mailto:kari@example.no" rel="noopener nofollow">mail</a>',
    );
    expect(html('<a href=\'http://x.example/"onmouseover="alert(1)\'>q</a>')).toBe(
      '<a href="http://x.example/%22onmouseover=%22alert(1)" rel="noopener nofollow">q</a>',
    );
  });

  it('cannot be tricked by nesting, broken tags or attribute quoting', () => {
    expect(html('<scr<script>ipt>alert(1)</script>')).toBe('ipt&gt;alert(1)');
    expect(html('<<script>script>alert(1)<</script>/script>')).toBe('&lt;/script&gt;');
    expect(html('<p title="</p><script>alert(1)</script>">t</p>')).toBe('<p>t</p>');
    expect(html('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>')).not.toMatch(
      /<img|onerror=/,
    );
    expect(html('<a href="https://x.example"><a href="https://y.example">n</a></a>')).toBe(
      '<a href="https://x.example/" rel="noopener nofollow"></a><a href="https://y.example/" rel="noopener nofollow">n</a>',
    );
    expect(html('<li>stray</li><p><p>x')).toBe('stray<p></p><p>x</p>');
    expect(html('<strong><em>unclosed')).toBe('<strong><em>unclosed</em></strong>');
    expect(html('</p></strong>text</em>')).toBe('text');
    // Deep nesting is cut, never an error.
    expect(html(`${'<em>'.repeat(200)}deep`)).toMatch(/deep/);
    // Whatever comes in, no tag outside the allow-list and no attribute but a's href and rel come out.
    const fuzz =
      '<div><a href="https://ok.example" onclick=x>a</a><img/src=x><p/onmouseover=y>b<base href=//e><form><input autofocus onfocus=z>';
    const out = html(fuzz);
    for (const tag of out.match(/<\/?([a-z0-9]+)/g) ?? []) {
      expect([
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
      ]).toContain(tag.replace(/[</]/g, ''));
    }
    expect(out).not.toMatch(/on[a-z]+=|src=|autofocus/);
  });

  it('escapes text and decodes entities once', () => {
    expect(html('1 &lt; 2 &amp;&amp; 3 > 2 "q"')).toBe('1 &lt; 2 &amp;&amp; 3 &gt; 2 "q"');
    expect(sanitiseNoteHtml('&lt;script&gt;alert(1)&lt;/script&gt;').text).toBe('<script>alert(1)</script>');
    expect(html('&lt;script&gt;')).toBe('&lt;script&gt;');
    expect(sanitiseNoteHtml('<p>   </p><br>').text).toBe('');
  });
});
