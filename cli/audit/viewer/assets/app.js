/**
 * The audit viewer page: chain banner, filters (every filter is applied by the
 * server's query engine), record panel, views, and the live tail.
 * @module
 */
import { getJson } from './api.js';
import { renderDetail } from './detail.js';
import { el, clear } from './dom.js';
import { renderRows, select } from './timeline.js';
import { renderExtensions, renderTrace } from './views.js';

const $ = (selector) => document.querySelector(selector);
const state = { selected: undefined, view: 'timeline', refetch: undefined, facets: undefined };

function showChain(chain, source = 'live') {
  const banner = $('#chain');
  banner.className = `chain ${chain.ok ? 'ok' : 'broken'}`;
  if (chain.ok) banner.textContent = `Chain verified: ${chain.records} records, intact${chain.tornTail ? ' (the last line is cut short: a crash or a write in progress; everything before it verified)' : ''}`;
  else banner.textContent = `Chain BROKEN at line ${chain.broken.line}: ${chain.broken.reason}. ${chain.records} records before it verified.`;
  banner.setAttribute('data-source', source);
}

function fillSelect(select, values) {
  const current = select.value;
  while (select.options.length > 1) select.remove(1);
  for (const value of values) select.append(el('option', { value }, value));
  select.value = values.includes(current) ? current : '';
}

function filters() {
  const data = Object.fromEntries(new FormData($('#filters')).entries());
  if (data.since) data.since = new Date(data.since).toISOString();
  return data;
}

async function loadRecords() {
  try {
    const result = await getJson('/api/records', filters());
    $('#count').textContent = `${result.matched} of ${result.total} records match${result.matched > result.records.length ? ` (latest ${result.records.length} shown)` : ''}`;
    renderRows($('#timeline tbody'), result.records, showRecord, state.selected);
  } catch (error) {
    $('#count').textContent = `${error.code}: ${error.message}`;
  }
}

async function loadStatus() {
  const status = await getJson('/api/status');
  $('#file').textContent = `${status.file}${status.policy ? ` · policy ${status.policy.file}` : ''}`;
  showChain(status.chain);
  const form = $('#filters');
  fillSelect(form.elements.ext, status.facets.extensions);
  fillSelect(form.elements.op, status.facets.ops);
  fillSelect(form.elements.action, status.facets.actions);
  fillSelect(form.elements.trace, status.facets.traces);
  state.facets = status.facets;
}

async function showRecord(seq) {
  state.selected = seq;
  select($('#timeline tbody'), seq);
  const panel = $('#detail');
  try {
    renderDetail(panel, await getJson(`/api/records/${encodeURIComponent(seq)}`), { onTrace: showTrace });
  } catch (error) {
    clear(panel).append(el('p', { class: 'warning' }, `${error.code}: ${error.message}`));
  }
}

function switchView(view) {
  state.view = view;
  for (const button of document.querySelectorAll('#tabs button[data-view]')) button.classList.toggle('active', button.getAttribute('data-view') === view);
  for (const section of document.querySelectorAll('#views > section')) section.hidden = section.id !== `view-${view}`;
  if (view === 'extensions') void getJson('/api/extensions').then((data) => renderExtensions($('#view-extensions'), data));
  if (view === 'trace') {
    const select = $('#trace-form').elements.trace;
    const traces = state.facets?.traces ?? [];
    if (select.options.length !== traces.length) {
      clear(select);
      for (const trace of traces) select.append(el('option', { value: trace }, trace));
    }
    if (select.value) void showTrace(select.value);
  }
}

async function showTrace(trace) {
  if (state.view !== 'trace') switchView('trace');
  const select = $('#trace-form').elements.trace;
  if (![...select.options].some((option) => option.value === trace)) select.append(el('option', { value: trace }, trace));
  select.value = trace;
  try {
    renderTrace($('#trace-tree'), await getJson(`/api/traces/${encodeURIComponent(trace)}`), showRecord);
  } catch (error) {
    clear($('#trace-tree')).append(el('p', { class: 'warning' }, `${error.code}: ${error.message}`));
  }
}

function live() {
  const events = new EventSource('/api/events');
  const badge = $('#live');
  let fresh = 0;
  events.addEventListener('open', () => {
    badge.textContent = 'live';
    badge.className = 'live on';
  });
  events.addEventListener('error', () => {
    badge.textContent = 'reconnecting…';
    badge.className = 'live';
  });
  events.addEventListener('chain', (event) => showChain(JSON.parse(event.data)));
  const soon = () => {
    clearTimeout(state.refetch);
    state.refetch = setTimeout(() => void loadStatus().then(loadRecords), 250);
  };
  events.addEventListener('record', () => {
    fresh++;
    badge.textContent = `live · ${fresh} new`;
    soon();
  });
  events.addEventListener('reset', soon);
}

function start() {
  const form = $('#filters');
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('change', () => void loadRecords());
  form.addEventListener('input', (event) => {
    if (event.target.name === 'text') {
      clearTimeout(state.typing);
      state.typing = setTimeout(() => void loadRecords(), 200);
    }
  });
  form.addEventListener('reset', () => setTimeout(() => void loadRecords(), 0));
  $('#trace-form').addEventListener('change', (event) => void showTrace(event.target.value));
  for (const button of document.querySelectorAll('#tabs button[data-view]')) button.addEventListener('click', () => switchView(button.getAttribute('data-view')));
  $('#reverify').addEventListener('click', () => void getJson('/api/verify').then((chain) => showChain(chain, 'file')));
  void loadStatus().then(loadRecords).then(live);
}

start();
