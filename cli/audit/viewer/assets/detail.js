/**
 * The record panel: every field of the record, then what it joins (rule and
 * its policy line, the denial and the smallest grant, the token chain, the
 * plugins' hashes, the policy hash, the trace).
 * @module
 */
import { action, clear, el, facts, when } from './dom.js';

function section(title, ...children) {
  return el('section', { class: 'join' }, el('h3', {}, title), ...children);
}

function recordFields(record) {
  const rows = Object.entries(record)
    .filter(([key]) => key !== 'detail' && key !== 'verified')
    .map(([key, value]) => [key, key === 'time' ? `${value} (${when(value)})` : typeof value === 'object' ? JSON.stringify(value) : String(value)]);
  const list = facts(rows);
  if (record.detail !== undefined) list.append(el('dt', {}, 'detail'), el('dd', {}, el('pre', {}, JSON.stringify(record.detail, null, 2))));
  return list;
}

function ruleSection(rule) {
  if (!rule) return section('Rule', el('p', { class: 'dim' }, 'no rule decided this record (default deny, or not a policy decision)'));
  return section(
    'Rule',
    facts([
      ['rule', rule.id],
      ['file:line', rule.file ? `${rule.file}:${rule.line}` : undefined],
      ['column', rule.col],
      ['effect', rule.effect],
      ['extension', rule.extension],
      ['why', rule.why],
      ['policy line', rule.text ? el('code', {}, rule.text) : undefined],
    ]),
  );
}

function denialSection(denial) {
  if (!denial) return null;
  return section(
    'Denial',
    facts([
      ['code', denial.code],
      ['reason', denial.reason],
      ['advice', denial.advice],
      ['under the given policy', denial.verdictNow],
      ['smallest grant', denial.suggestion ? el('pre', { class: 'suggestion' }, denial.suggestion) : undefined],
    ]),
  );
}

function tokenSection(tokens) {
  const list = el('ol', { class: 'chain-list' });
  if (tokens.unknownRoot) list.append(el('li', { class: 'dim' }, `${tokens.unknownRoot} (not minted in this log)`));
  for (const node of tokens.chain) {
    const how = node.kind === 'mint' ? `minted by the kernel for ${node.subject}` : `delegated by ${node.issuer} to ${node.subject}${node.depth !== undefined ? ` (depth ${node.depth})` : ''}`;
    list.append(el('li', {}, el('code', {}, node.jti), ` ${how}, #${node.seq}`, node.revokedAt ? el('span', { class: 'badge deny' }, `revoked #${node.revokedAt}`) : null));
  }
  if (tokens.chain.length === 0 && !tokens.unknownRoot) list.append(el('li', { class: 'dim' }, 'this record names no token'));
  const children = tokens.children.map((child) => el('li', {}, el('code', {}, child.jti), ` delegated by ${child.issuer} to ${child.subject}, #${child.seq}`));
  return section('Token chain (parent → child)', list, children.length ? el('p', {}, 'delegated from it:') : null, children.length ? el('ul', {}, ...children) : null);
}

function pluginSection(plugins) {
  const items = plugins.map((plugin) => {
    const pinned = plugin.policy?.pinned;
    const current = plugin.policy?.current;
    const mismatch = pinned && current && pinned !== current;
    return el(
      'div',
      { class: 'plugin' },
      el('h4', {}, plugin.id),
      facts([
        ['started', plugin.started ? `#${plugin.started.seq} (line ${plugin.started.line})` : undefined],
        ['token at start', plugin.started?.token_jti],
        ['sha256 (log)', plugin.started?.sha256],
        ['sandbox', plugin.policy?.sandbox],
        ['module', plugin.policy?.module],
        ['sha256 pinned', pinned],
        ['sha256 of the file now', current],
        ['warning', mismatch ? 'the module file no longer matches the pinned hash' : undefined],
      ]),
    );
  });
  return section('Plugins', ...(items.length ? items : [el('p', { class: 'dim' }, 'no extension involved')]));
}

function policySection(policy) {
  return section(
    'Policy',
    facts([
      ['hash in force', policy.hash],
      ['loaded', policy.loaded ? `#${policy.loaded.seq}${policy.loaded.file ? ` from ${policy.loaded.file}` : ''}` : undefined],
      ['given with --policy', policy.given ? `${policy.given.file} (${policy.given.hash})` : undefined],
      ['same policy', policy.given && policy.given.same !== null ? (policy.given.same ? 'yes' : 'no: rules and suggestions come from a different policy') : undefined],
    ]),
  );
}

/** Show `detail` (from `/api/records/:seq`) in `container`. */
export function renderDetail(container, detail, { onTrace }) {
  clear(container);
  const record = detail.record;
  const parts = [
    el('h2', {}, `#${record.seq} `, el('span', { class: `badge ${record.verdict}` }, record.verdict), ` ${record.actor} ${record.action}`),
    detail.verified ? null : el('p', { class: 'warning' }, 'This record comes after the break in the chain: it is not verified.'),
    denialSection(detail.denial),
    ruleSection(detail.rule),
    tokenSection(detail.tokens),
    pluginSection(detail.plugins),
    policySection(detail.policy),
    detail.trace ? section('Trace', el('p', {}, el('code', {}, detail.trace.id), ` ${detail.trace.records} records `, action('show the run', () => onTrace(detail.trace.id)))) : null,
    section('Record', recordFields(record)),
  ];
  container.append(...parts.filter((part) => part !== null));
}
