import { ActionIcon, Box, Button, Group, Popover, TextInput } from '@mantine/core';
import { type KeyboardEvent, type RefObject, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A small rich-text editor for notes: a Mantine-styled contentEditable with bold, italic,
 * bulleted and numbered lists and links, by direct DOM changes on the selection (no
 * document.execCommand, which is deprecated). The server sanitises whatever it is sent;
 * `editorHtml` only tidies what browsers put in (divs become paragraphs).
 */

type Inline = 'strong' | 'em';

function rangeIn(editor: HTMLElement): Range | null {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0) return null;
  const range = sel.getRangeAt(0);
  return editor.contains(range.commonAncestorContainer) ? range : null;
}

function closestIn(node: Node | null, tag: string, editor: HTMLElement): HTMLElement | null {
  let n: Node | null = node;
  while (n && n !== editor) {
    if (n instanceof HTMLElement && n.tagName.toLowerCase() === tag) return n;
    n = n.parentNode;
  }
  return null;
}

function unwrap(el: HTMLElement) {
  const parent = el.parentNode;
  if (!parent) return;
  while (el.firstChild) parent.insertBefore(el.firstChild, el);
  parent.removeChild(el);
}

function selectContents(el: Node) {
  const sel = window.getSelection();
  if (!sel) return;
  const r = document.createRange();
  r.selectNodeContents(el);
  sel.removeAllRanges();
  sel.addRange(r);
}

/** Wraps the selection in `tag` (with attributes), or unwraps it when it is already inside one. */
function toggleWrap(editor: HTMLElement, tag: Inline | 'a', attrs: Record<string, string> = {}) {
  const range = rangeIn(editor);
  if (!range) return;
  const inside = closestIn(range.commonAncestorContainer, tag, editor);
  if (inside && tag !== 'a') {
    unwrap(inside);
    return;
  }
  if (range.collapsed) {
    if (tag !== 'a') return;
    range.insertNode(document.createTextNode(attrs.href ?? ''));
    range.setStart(range.startContainer, range.startOffset);
  }
  const frag = range.extractContents();
  for (const nested of Array.from(frag.querySelectorAll(tag))) unwrap(nested as HTMLElement);
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.appendChild(frag);
  range.insertNode(el);
  selectContents(el);
}

/** The top-level child of the editor that holds `node`. */
function topChild(editor: HTMLElement, node: Node): Node {
  let n = node;
  while (n.parentNode && n.parentNode !== editor) n = n.parentNode;
  return n;
}

/** Turns the selected lines into a list, changes the list's kind, or turns it back into paragraphs. */
function toggleList(editor: HTMLElement, kind: 'ul' | 'ol') {
  const range = rangeIn(editor);
  if (!range) return;
  const list =
    closestIn(range.commonAncestorContainer, 'ul', editor) ?? closestIn(range.commonAncestorContainer, 'ol', editor);
  if (list) {
    if (list.tagName.toLowerCase() !== kind) {
      const other = document.createElement(kind);
      while (list.firstChild) other.appendChild(list.firstChild);
      list.replaceWith(other);
      return;
    }
    for (const li of Array.from(list.children)) {
      const p = document.createElement('p');
      while (li.firstChild) p.appendChild(li.firstChild);
      list.parentNode?.insertBefore(p, list);
    }
    list.remove();
    return;
  }
  if (editor.childNodes.length === 0) editor.appendChild(document.createElement('p'));
  const first = topChild(editor, range.startContainer === editor ? (editor.firstChild as Node) : range.startContainer);
  const last = topChild(editor, range.endContainer === editor ? (editor.lastChild as Node) : range.endContainer);
  const nodes: Node[] = [];
  for (let n: Node | null = first; n; n = n.nextSibling) {
    nodes.push(n);
    if (n === last) break;
  }
  const el = document.createElement(kind);
  editor.insertBefore(el, first);
  for (const n of nodes) {
    const li = document.createElement('li');
    if (n instanceof HTMLElement && ['p', 'div', 'h2', 'h3', 'h4'].includes(n.tagName.toLowerCase())) {
      while (n.firstChild) li.appendChild(n.firstChild);
      n.remove();
    } else li.appendChild(n);
    el.appendChild(li);
  }
  selectContents(el.lastChild as Node);
}

/** The editor's HTML as sent to the server: loose text and divs become paragraphs. */
export function editorHtml(editor: HTMLElement): string {
  const out = document.createElement('div');
  let p: HTMLElement | null = null;
  for (const n of Array.from(editor.childNodes)) {
    const tag = n instanceof HTMLElement ? n.tagName.toLowerCase() : '';
    if (['p', 'ul', 'ol', 'blockquote', 'pre', 'h2', 'h3', 'h4', 'div'].includes(tag)) {
      p = null;
      const copy = n.cloneNode(true) as HTMLElement;
      if (tag === 'div') {
        const para = document.createElement('p');
        while (copy.firstChild) para.appendChild(copy.firstChild);
        out.appendChild(para);
      } else out.appendChild(copy);
    } else {
      if (!p) {
        p = document.createElement('p');
        out.appendChild(p);
      }
      p.appendChild(n.cloneNode(true));
    }
  }
  return out.innerHTML;
}

export function RichTextEditor(props: {
  label: string;
  editorRef: RefObject<HTMLDivElement | null>;
  onInput?: () => void;
}) {
  const { t } = useTranslation();
  const { editorRef } = props;
  const [linkOpen, setLinkOpen] = useState(false);
  const [href, setHref] = useState('https://');
  const saved = useRef<Range | null>(null);

  const act = (fn: (editor: HTMLElement) => void) => {
    const editor = editorRef.current;
    if (!editor) return;
    fn(editor);
    editor.focus();
    props.onInput?.();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    const key = e.key.toLowerCase();
    if (key === 'b' || key === 'i') {
      e.preventDefault();
      act((ed) => toggleWrap(ed, key === 'b' ? 'strong' : 'em'));
    }
  };
  const openLink = () => {
    const editor = editorRef.current;
    const r = editor ? rangeIn(editor) : null;
    saved.current = r ? r.cloneRange() : null;
    setLinkOpen(true);
  };
  const applyLink = () => {
    const url = href.trim();
    setLinkOpen(false);
    if (!/^(https?:\/\/|mailto:)\S+$/i.test(url)) return;
    const sel = window.getSelection();
    if (saved.current && sel) {
      sel.removeAllRanges();
      sel.addRange(saved.current);
    }
    act((ed) => toggleWrap(ed, 'a', { href: url }));
  };
  // Buttons keep the editor's selection: mousedown must not move focus.
  const keep = (e: { preventDefault: () => void }) => e.preventDefault();

  return (
    <Box>
      <Group gap={4} mb={4} role="toolbar" aria-label={t('timeline.formatting')}>
        <ActionIcon
          variant="default"
          aria-label={t('timeline.bold')}
          onMouseDown={keep}
          onClick={() => act((ed) => toggleWrap(ed, 'strong'))}
        >
          <b>B</b>
        </ActionIcon>
        <ActionIcon
          variant="default"
          aria-label={t('timeline.italic')}
          onMouseDown={keep}
          onClick={() => act((ed) => toggleWrap(ed, 'em'))}
        >
          <i>I</i>
        </ActionIcon>
        <ActionIcon
          variant="default"
          aria-label={t('timeline.bulletList')}
          onMouseDown={keep}
          onClick={() => act((ed) => toggleList(ed, 'ul'))}
        >
          •
        </ActionIcon>
        <ActionIcon
          variant="default"
          aria-label={t('timeline.numberedList')}
          onMouseDown={keep}
          onClick={() => act((ed) => toggleList(ed, 'ol'))}
        >
          1.
        </ActionIcon>
        <Popover opened={linkOpen} onChange={setLinkOpen} trapFocus position="bottom-start" withArrow>
          <Popover.Target>
            <ActionIcon variant="default" aria-label={t('timeline.link')} onMouseDown={keep} onClick={openLink}>
              🔗
            </ActionIcon>
          </Popover.Target>
          <Popover.Dropdown>
            <Group gap="xs" align="flex-end">
              <TextInput
                label={t('timeline.linkUrl')}
                value={href}
                onChange={(e) => setHref(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    applyLink();
                  }
                }}
              />
              <Button size="xs" onClick={applyLink}>
                {t('timeline.applyLink')}
              </Button>
            </Group>
          </Popover.Dropdown>
        </Popover>
      </Group>
      <Box
        ref={editorRef}
        contentEditable
        suppressContentEditableWarning
        role="textbox"
        aria-multiline="true"
        aria-label={props.label}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onInput={props.onInput}
        className="tillit-note-editor"
        style={{
          minHeight: 80,
          padding: '6px 10px',
          border: '1px solid var(--mantine-color-default-border)',
          borderRadius: 'var(--mantine-radius-sm)',
          background: 'var(--mantine-color-body)',
          fontSize: 'var(--mantine-font-size-sm)',
          outlineColor: 'var(--mantine-primary-color-filled)',
        }}
      />
    </Box>
  );
}
