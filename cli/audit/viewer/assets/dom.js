/**
 * The only way the page builds DOM: elements from fixed tag names, attributes
 * from a short allow-list, and every piece of data as a text node. Nothing
 * from a record ever reaches innerHTML, an event-handler attribute or a URL.
 * @module
 */

const ATTRIBUTES = new Set(['class', 'title', 'type', 'value', 'colspan', 'hidden', 'data-seq', 'data-trace', 'data-view', 'aria-label']);

/**
 * `el('td', { class: 'deny' }, record.op)` — children are nodes or text.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | undefined>} [attrs]
 * @param {...(Node | string | number | null | undefined)} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (!ATTRIBUTES.has(name)) throw new Error(`attribute ${name} is not allowed`);
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of `node`. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** `2025-01-02 10:11:12.345` for an epoch ms. */
export function when(ms) {
  return typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').slice(0, 23) : '';
}

/** A definition list of `[label, value]` rows; values are text or nodes. */
export function facts(rows) {
  const list = el('dl');
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    list.append(el('dt', {}, label), el('dd', {}, value));
  }
  return list;
}

/** A clickable text button (no links: nothing navigates). */
export function action(label, onClick, attrs = {}) {
  const button = el('button', { type: 'button', class: 'link', ...attrs }, label);
  button.addEventListener('click', onClick);
  return button;
}
