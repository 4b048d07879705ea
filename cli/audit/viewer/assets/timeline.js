/**
 * The timeline: one row per record, coloured by verdict, newest last.
 * @module
 */
import { clear, el, when } from './dom.js';

/** What a denial row says after its code: the record's own reason, or the default-deny reason. */
export function reasonOf(record) {
  if (record.verdict !== 'deny') return record.code ?? '';
  const why = record.why ?? (record.code === 'E_DENIED' && !record.rule ? 'no grant allows it (default deny)' : '');
  return [record.code, why].filter(Boolean).join(': ');
}

function targetOf(record) {
  if (record.op) return `${record.target ?? ''}.${record.op}`;
  return record.target ?? '';
}

/** One table row for `record`; `onSelect(seq)` when clicked. */
export function row(record, onSelect) {
  const tr = el(
    'tr',
    { class: `verdict-${record.verdict}${record.verified === false ? ' unverified' : ''}`, 'data-seq': record.seq, title: record.verified === false ? 'after the break in the chain: not verified' : undefined },
    el('td', { class: 'time' }, when(record.time)),
    el('td', { class: 'seq' }, record.seq),
    el('td', { class: 'verdict' }, el('span', { class: `badge ${record.verdict}` }, record.verdict)),
    el('td', { class: 'actor' }, record.actor),
    el('td', { class: 'action' }, record.action),
    el('td', { class: 'target' }, targetOf(record)),
    el('td', { class: 'resource' }, record.resource ?? ''),
    el('td', { class: 'reason' }, reasonOf(record)),
  );
  tr.addEventListener('click', () => onSelect(record.seq));
  return tr;
}

/** Replace the rows of `tbody` with `records`. */
export function renderRows(tbody, records, onSelect, selected) {
  clear(tbody);
  const fragment = document.createDocumentFragment();
  for (const record of records) {
    const tr = row(record, onSelect);
    if (record.seq === selected) tr.classList.add('selected');
    fragment.append(tr);
  }
  tbody.append(fragment);
  if (records.length === 0) tbody.append(el('tr', {}, el('td', { colspan: 8, class: 'dim' }, 'no record matches these filters')));
}

/** Mark the selected row. */
export function select(tbody, seq) {
  for (const tr of tbody.querySelectorAll('tr.selected')) tr.classList.remove('selected');
  for (const tr of tbody.querySelectorAll('tr[data-seq]')) if (Number(tr.getAttribute('data-seq')) === seq) tr.classList.add('selected');
}
