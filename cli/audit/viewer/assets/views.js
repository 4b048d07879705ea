/**
 * The per-extension view (granted by the policy vs used in the log, and the
 * rules `policy learn` would write) and the trace view (one run as a tree).
 * @module
 */
import { clear, el, when } from './dom.js';
import { reasonOf } from './timeline.js';

function grid(header, rows) {
  return el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, ...header.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
}

const list = (values) => (values && values.length ? values.join(', ') : '');

function grantedTable(extension) {
  if (!extension.granted) return el('p', { class: 'dim' }, extension.inPolicy ? 'no rules' : 'start the viewer with --policy to compare with what is granted');
  const rows = extension.granted.map((grant) =>
    el(
      'tr',
      { class: `verdict-${grant.effect === 'deny' ? 'deny' : 'allow'}${grant.effect === 'allow' && grant.uses === 0 ? ' unused' : ''}` },
      el('td', {}, grant.effect),
      el('td', {}, grant.action),
      el('td', {}, grant.to),
      el('td', {}, list(grant.ops)),
      el('td', {}, list(grant.resources)),
      el('td', {}, grant.uses),
      el('td', {}, grant.rule ?? ''),
      el('td', {}, grant.why ?? ''),
    ),
  );
  return grid(['effect', 'action', 'to', 'ops', 'resources', 'uses', 'rule', 'why'], rows);
}

function usedTable(extension) {
  if (extension.used.length === 0) return el('p', { class: 'dim' }, 'asked for nothing in this log');
  const rows = extension.used.map((request) =>
    el(
      'tr',
      { class: `verdict-${request.recorded}` },
      el('td', {}, request.action),
      el('td', {}, request.to),
      el('td', {}, request.op),
      el('td', {}, request.resource),
      el('td', {}, request.count),
      el('td', {}, request.recorded),
      el('td', {}, request.now ?? ''),
      el('td', {}, request.rule ?? (request.now ? 'default' : '')),
    ),
  );
  return grid(['action', 'to', 'op', 'resource', 'times', 'recorded', 'under policy', 'rule'], rows);
}

function learned(extension) {
  const lines = extension.learned.map((rule) =>
    rule.action === 'call' ? `- { call: ${rule.to}, ops: [${rule.ops.join(', ')}], resources: [${rule.resources.join(', ')}] }  # ${rule.uses} uses` : `- { ${rule.action}: ${rule.to} }  # ${rule.uses} uses`,
  );
  return lines.length ? el('pre', { class: 'suggestion' }, lines.join('\n')) : el('p', { class: 'dim' }, 'nothing to learn');
}

/** Render `/api/extensions` into `container`. */
export function renderExtensions(container, data) {
  clear(container);
  if (!data.policy) container.append(el('p', { class: 'warning' }, 'No policy given (--policy): showing what each extension used, not what it was granted.'));
  for (const extension of data.extensions) {
    const unused = extension.unused?.length ? el('p', { class: 'warning' }, `${extension.unused.length} allow rule(s) never used: ${extension.unused.join(', ')}`) : null;
    container.append(
      el(
        'article',
        { class: 'extension' },
        el('h2', {}, extension.id, extension.sandbox ? el('span', { class: 'dim' }, ` (${extension.sandbox})`) : null, extension.inPolicy ? null : el('span', { class: 'badge deny' }, 'not in the policy')),
        el('h3', {}, 'Granted'),
        grantedTable(extension),
        unused,
        el('h3', {}, 'Used'),
        usedTable(extension),
        el('h3', {}, 'Least privilege for this run (policy learn)'),
        learned(extension),
      ),
    );
  }
}

function node(item, onSelect) {
  const record = item.record;
  const label = el(
    'div',
    { class: `node verdict-${record.verdict}`, 'data-seq': record.seq },
    el('span', { class: `badge ${record.verdict}` }, record.verdict),
    ` #${record.seq} ${when(record.time)} ${record.actor} ${record.action} ${record.op ? `${record.target ?? ''}.${record.op}` : (record.target ?? '')} `,
    el('span', { class: 'dim' }, reasonOf(record)),
  );
  label.addEventListener('click', () => onSelect(record.seq));
  return el('li', {}, label, item.children.length ? el('ul', {}, ...item.children.map((child) => node(child, onSelect))) : null);
}

/** Render `/api/traces/:trace` into `container`. */
export function renderTrace(container, tree, onSelect) {
  clear(container);
  const span = tree.span ? `${when(tree.span.from)} → ${when(tree.span.to)} (${tree.span.to - tree.span.from} ms)` : '';
  container.append(
    el(
      'div',
      {},
      el('p', {}, el('code', {}, tree.trace), ` ${tree.records} records ${span}`),
      tree.linked ? null : el('p', { class: 'dim' }, 'These records carry no causation ids: shown in the order they were decided.'),
      el('ul', { class: 'tree' }, ...tree.roots.map((item) => node(item, onSelect))),
    ),
  );
}
